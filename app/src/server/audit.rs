//! The hash-chained audit log (DESIGN §2.9): being written.
