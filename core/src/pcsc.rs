//! PC/SC transport (being written).
