//! JPKI certificate profile (being written).
