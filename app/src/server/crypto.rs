//! Envelope encryption (DESIGN §4): being written.
