//! A software My Number Card (being written).
mod image;
pub use image::CardImage;
