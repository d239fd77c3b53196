//! Flood limits on the unauthenticated requests that write: 429 with
//! `Retry-After` before any write, refusals audited in aggregate.

use crate::{
    helpers::{DEMO_ADMIN, DEMO_ALICE, TestApp},
    on_both_backends,
};

async fn a_flood_of_reset_requests_from_one_network_is_refused_with_429_before_any_write(
    app: TestApp,
) {
    use futures_util::StreamExt as _;
    app.seed().await;
    let admin = app.signed_in_client(DEMO_ADMIN).await;
    let script = crate::helpers::new_client();
    let flood = futures_util::stream::iter(0..500)
        .map(|_| {
            let request = script
                .post(app.url("/api/request_password_reset"))
                .form(&[("email", DEMO_ALICE)]);
            async move {
                let response = request.send().await.unwrap();
                let status = response.status().as_u16();
                let retry_after = response
                    .headers()
                    .get("retry-after")
                    .map(|v| v.to_str().unwrap().parse::<u64>().unwrap());
                (status, retry_after, response.text().await.unwrap())
            }
        })
        .buffer_unordered(32)
        .collect::<Vec<_>>();
    // Meanwhile another user's audited page view goes through.
    let view = async {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        admin
            .post(app.url("/api/list_outbox"))
            .form(&[("", "")])
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    let (answers, viewed) = tokio::join!(flood, view);
    assert_eq!(
        viewed, 200,
        "the admin's outbox view was held up by the flood"
    );

    let limit = app::server::flood::FloodLimits::default().auth.per_network;
    let admitted = answers
        .iter()
        .filter(|(status, _, _)| *status == 200)
        .count();
    let refused: Vec<_> = answers
        .iter()
        .filter(|(status, _, _)| *status == 429)
        .collect();
    assert_eq!(admitted + refused.len(), 500, "only 200 or 429 is answered");
    assert!(
        admitted >= 1 && admitted <= limit as usize,
        "{admitted} admitted"
    );
    for (_, retry_after, body) in &refused {
        assert!(matches!(retry_after, Some(1..=60)), "{retry_after:?}");
        assert!(body.contains("TooManyRequests"), "{body}");
    }
    let (audited,): (i64,) = sqlx::query_as(
        "select count(*) from audit_log where action = 'auth.password_reset_requested'",
    )
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!(
        audited,
        i64::try_from(admitted).unwrap(),
        "a refused request wrote an audit row"
    );
    // The refusals are audited once, in aggregate, with their count.
    assert_eq!(app.state.flood.flush(&app.state.db).await.unwrap(), 1);
    let (detail,): (String,) =
        sqlx::query_as("select detail from audit_log where action = 'http.rate_limited'")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert!(
        detail.starts_with(&format!("{} ", refused.len())),
        "{detail}"
    );
    assert!(
        app::server::audit::verify(&app.state.db)
            .await
            .unwrap()
            .is_intact()
    );
}

on_both_backends!(a_flood_of_reset_requests_from_one_network_is_refused_with_429_before_any_write);
