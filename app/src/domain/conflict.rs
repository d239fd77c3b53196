//! Conflict matching (issue 13, point 3): whether two names or two email
//! addresses could be the same party, and why. Pure rules, so they are
//! tested rule by rule; the search over contacts, accounts, leads and
//! matter parties runs on the server with these.
//!
//! A name is first reduced to a **key**: Unicode compatibility
//! decomposition with the accents dropped, lower case, punctuation as
//! spaces, "&" as "and", company suffixes (Ltd, LLC, GmbH, Inc., S.A., …)
//! removed, common nicknames (Bill, Bob, …) replaced by the full name, and
//! the words sorted, so "Smith, John" and "John Smith" agree. Two keys are
//! then compared by Jaro-Winkler similarity against a threshold.

use unicode_normalization::{UnicodeNormalization as _, char::is_combining_mark};

/// Names at least this similar (Jaro-Winkler on their keys) are a hit.
pub const NAME_THRESHOLD: f64 = 0.90;

/// Company suffixes, as they read once punctuation is gone: matched as
/// whole words (or, for "s a", a pair) at the end of a name.
const SUFFIXES: [&str; 20] = [
    "ltd",
    "limited",
    "llc",
    "llp",
    "lp",
    "plc",
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "gmbh",
    "ag",
    "sa",
    "sas",
    "sarl",
    "bv",
    "nv",
    "srl",
];

/// Nicknames and the names they stand for: a small table of the common
/// English ones, enough that "Bill Smith" finds "William Smith".
const NICKNAMES: [(&str, &str); 22] = [
    ("bill", "william"),
    ("will", "william"),
    ("billy", "william"),
    ("bob", "robert"),
    ("rob", "robert"),
    ("bobby", "robert"),
    ("dick", "richard"),
    ("rick", "richard"),
    ("jim", "james"),
    ("jimmy", "james"),
    ("mike", "michael"),
    ("tom", "thomas"),
    ("tony", "anthony"),
    ("liz", "elizabeth"),
    ("beth", "elizabeth"),
    ("kate", "katherine"),
    ("katie", "katherine"),
    ("peggy", "margaret"),
    ("maggie", "margaret"),
    ("sam", "samuel"),
    ("alex", "alexander"),
    ("dan", "daniel"),
];

/// Email domains shared by strangers: a shared address there means
/// nothing.
const PUBLIC_DOMAINS: [&str; 10] = [
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "yahoo.com",
    "icloud.com",
    "me.com",
    "aol.com",
    "proton.me",
];

/// The form of `name` that matching compares (see the module's notes).
pub fn name_key(name: &str) -> String {
    let mut plain = String::with_capacity(name.len());
    // "O'Brien" is "OBrien", not "O Brien".
    for c in name
        .nfkd()
        .filter(|c| !is_combining_mark(*c) && !matches!(c, '\'' | '\u{2019}'))
        .flat_map(char::to_lowercase)
    {
        match fold_letter(c) {
            Some(folded) => plain.push_str(folded),
            None if c.is_alphanumeric() => plain.push(c),
            None => plain.push(' '),
        }
    }
    let mut words: Vec<&str> = plain.split_whitespace().collect();
    // "&" and "and" join names alike ("Smith & Jones", "Smith and Jones"):
    // both go.
    words.retain(|w| *w != "and");
    // Suffixes at the end, repeatedly ("Acme Holdings Co. Ltd").
    while words.len() > 1 {
        let n = words.len();
        if n >= 3 && words[n - 2] == "s" && words[n - 1] == "a" {
            words.truncate(n - 2);
        } else if SUFFIXES.contains(&words[n - 1]) {
            words.truncate(n - 1);
        } else {
            break;
        }
    }
    let mut words: Vec<&str> = words
        .into_iter()
        .map(|w| {
            NICKNAMES
                .iter()
                .find(|(nick, _)| *nick == w)
                .map_or(w, |(_, full)| full)
        })
        .collect();
    words.sort_unstable();
    words.join(" ")
}

/// Letters that are not a base letter with a mark, so that decomposition
/// leaves them: written as people without them would type the name.
fn fold_letter(c: char) -> Option<&'static str> {
    Some(match c {
        'ł' => "l",
        'ø' => "o",
        'đ' | 'ð' => "d",
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'þ' => "th",
        'ı' => "i",
        _ => return None,
    })
}

/// How similar two names are, from 0 to 1, on their keys.
pub fn name_similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (name_key(a), name_key(b));
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    strsim::jaro_winkler(&a, &b)
}

/// Why two email addresses connect two parties, if they do: the same
/// address, or the same organisation's domain.
pub fn email_link(a: &str, b: &str) -> Option<EmailLink> {
    let (a, b) = (a.trim().to_lowercase(), b.trim().to_lowercase());
    if a.is_empty() || b.is_empty() {
        return None;
    }
    if a == b {
        return Some(EmailLink::SameAddress);
    }
    let domain = |e: &str| e.rsplit_once('@').map(|(_, d)| d.to_owned());
    match (domain(&a), domain(&b)) {
        (Some(x), Some(y)) if x == y && !PUBLIC_DOMAINS.contains(&x.as_str()) => {
            Some(EmailLink::SameDomain(x))
        }
        _ => None,
    }
}

/// How two email addresses connect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EmailLink {
    /// The very same address.
    SameAddress,
    /// Addresses at one organisation's domain.
    SameDomain(String),
}

/// Why a name matched, as a hit says it: "name 0.93 similar to opposing
/// party 'Acme Holdings Ltd' on matter 2025-0113".
pub fn explain_name(similarity: f64, what: &str, name: &str, matter: Option<&str>) -> String {
    let on = matter
        .map(|m| format!(" on matter {m}"))
        .unwrap_or_default();
    if similarity >= 0.999 {
        format!("same name as {what} '{name}'{on}")
    } else {
        format!("name {similarity:.2} similar to {what} '{name}'{on}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(a: &str, b: &str) -> bool {
        name_similarity(a, b) >= NAME_THRESHOLD
    }

    #[test]
    fn case_accents_and_punctuation_do_not_matter() {
        assert_eq!(
            name_key("José  Álvarez-Núñez"),
            name_key("jose alvarez nunez")
        );
        // Ł and ß are letters of their own, not a letter with a mark.
        assert_eq!(name_key("ŁUKASZ Nowak"), name_key("Lukasz Nowak"));
        assert_eq!(name_key("Weiß"), name_key("Weiss"));
        assert_eq!(name_key("O’Brien, Siobhán"), name_key("Siobhan OBrien"));
    }

    #[test]
    fn company_suffixes_and_ampersands_are_ignored() {
        assert_eq!(
            name_key("Acme Holdings Ltd."),
            name_key("ACME HOLDINGS LIMITED")
        );
        assert_eq!(name_key("Acme Holdings, Inc."), name_key("Acme Holdings"));
        assert_eq!(name_key("Müller GmbH"), name_key("Muller"));
        assert_eq!(
            name_key("Transportes Ruiz S.A."),
            name_key("Transportes Ruiz")
        );
        assert_eq!(name_key("Smith & Jones LLP"), name_key("Smith and Jones"));
        // A name that is only a suffix keeps it.
        assert_eq!(name_key("Co"), "co");
    }

    #[test]
    fn word_order_and_nicknames_do_not_hide_a_person() {
        assert_eq!(name_key("Smith, John"), name_key("John Smith"));
        assert_eq!(name_key("Bill Smith"), name_key("William Smith"));
        assert_eq!(name_key("Bob Jones"), name_key("Robert Jones"));
    }

    #[test]
    fn near_spellings_pass_the_threshold_and_other_names_do_not() {
        assert!(matches("Acme Holdings Ltd", "Acme Holding Ltd"));
        assert!(matches("Catherine Moreau", "Catharine Moreau"));
        assert!(!matches("Acme Holdings", "Apex Logistics"));
        assert!(!matches("John Smith", "Jane Doe"));
        assert!(
            name_similarity("", "John") < f64::EPSILON,
            "no name matches nothing"
        );
    }

    #[test]
    fn emails_link_by_address_or_an_organisations_domain() {
        assert_eq!(
            email_link("Ana@Acme.example", "ana@acme.example"),
            Some(EmailLink::SameAddress)
        );
        assert_eq!(
            email_link("ana@acme.example", "bo@acme.example"),
            Some(EmailLink::SameDomain("acme.example".to_owned()))
        );
        assert_eq!(email_link("ana@gmail.com", "bo@gmail.com"), None);
        assert_eq!(email_link("", "bo@acme.example"), None);
    }

    #[test]
    fn a_hit_says_why() {
        assert_eq!(
            explain_name(
                0.934,
                "opposing party",
                "Acme Holdings Ltd",
                Some("2025-0113")
            ),
            "name 0.93 similar to opposing party 'Acme Holdings Ltd' on matter 2025-0113"
        );
        assert_eq!(
            explain_name(1.0, "contact", "Ana Ruiz", None),
            "same name as contact 'Ana Ruiz'"
        );
    }
}
