//! Drawing library cards: the NW-7 barcode as SVG and PNG, and a QR code as
//! SVG and PNG for apps that scan with a camera.
//!
//! Sizes are in narrow modules; [`BarcodeStyle::module_px`] turns them into
//! pixels. The defaults (4 px modules, 3:1 wide:narrow, quiet zones of 10
//! modules, bars 60 modules tall) give a 10-digit card about 670 px wide,
//! which a phone shows at full width and both zbar and USB desk imagers read
//! from the screen. The SVG scales freely (`viewBox` in modules,
//! `shape-rendering="crispEdges"`); apps should keep a module at least
//! 0.25 mm on screen.
//!
//! Everything is written here with no drawing library: a barcode is a row of
//! rectangles, a PNG is 8-bit grey rows handed to the `png` crate.

use qrcode::{Color, EcLevel, QrCode};

use super::codabar::{Codabar, WideRatio};
use super::error::RenderError;

/// Smallest quiet zone of an NW-7 symbol, in narrow modules (JIS X 0506).
pub const MIN_QUIET_ZONE_MODULES: u32 = 10;
/// Smallest quiet zone of a QR code, in modules (ISO/IEC 18004).
pub const MIN_QR_QUIET_ZONE_MODULES: u32 = 4;
/// Largest image rendered, in pixels.
const MAX_PIXELS: u64 = 40_000_000;
/// White margin above and below the bars, in modules.
const VERTICAL_MARGIN: u32 = 4;
/// Font size of the human-readable line in the SVG, in modules.
const FONT_MODULES: u32 = 10;
/// Height of the band that holds the human-readable line, in modules.
const TEXT_BAND_MODULES: u32 = 13;

/// Size and proportions of a rendered NW-7 barcode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BarcodeStyle {
    /// Pixels per narrow module (PNG; also the SVG's `width`/`height`).
    pub module_px: u32,
    /// Width of a wide element.
    pub wide_ratio: WideRatio,
    /// White space left and right of the bars, in modules; at least
    /// [`MIN_QUIET_ZONE_MODULES`].
    pub quiet_zone_modules: u32,
    /// Height of the bars, in modules.
    pub bar_height_modules: u32,
}

impl Default for BarcodeStyle {
    fn default() -> Self {
        BarcodeStyle {
            module_px: 4,
            wide_ratio: WideRatio::Three,
            quiet_zone_modules: MIN_QUIET_ZONE_MODULES,
            bar_height_modules: 60,
        }
    }
}

/// QR error-correction level (share of the code that may be damaged).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum QrErrorCorrection {
    /// About 7 %.
    Low,
    /// About 15 % (the default).
    #[default]
    Medium,
    /// About 25 %.
    Quartile,
    /// About 30 %.
    High,
}

/// Size of a rendered QR code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QrStyle {
    /// Pixels per module (PNG; also the SVG's `width`/`height`).
    pub module_px: u32,
    /// White border in modules; at least [`MIN_QR_QUIET_ZONE_MODULES`].
    pub quiet_zone_modules: u32,
    /// Error-correction level.
    pub error_correction: QrErrorCorrection,
}

impl Default for QrStyle {
    fn default() -> Self {
        QrStyle {
            module_px: 8,
            quiet_zone_modules: MIN_QR_QUIET_ZONE_MODULES,
            error_correction: QrErrorCorrection::Medium,
        }
    }
}

/// Checked geometry of a barcode: its modules and the image size in modules.
struct Layout {
    modules: Vec<bool>,
    quiet: u32,
    width: u32,
    bar_height: u32,
}

fn layout(symbol: &Codabar, style: &BarcodeStyle) -> Result<Layout, RenderError> {
    if style.quiet_zone_modules < MIN_QUIET_ZONE_MODULES {
        return Err(RenderError::QuietZoneTooSmall {
            min: MIN_QUIET_ZONE_MODULES,
            found: style.quiet_zone_modules,
        });
    }
    if style.module_px == 0 || style.bar_height_modules == 0 {
        return Err(RenderError::BadSize(
            "module size and bar height must not be 0",
        ));
    }
    let modules = symbol.modules(style.wide_ratio);
    let symbol_width =
        u32::try_from(modules.len()).map_err(|_| RenderError::BadSize("symbol too long"))?;
    let width = style
        .quiet_zone_modules
        .checked_mul(2)
        .and_then(|q| q.checked_add(symbol_width))
        .ok_or(RenderError::BadSize("symbol too wide"))?;
    let height =
        u64::from(style.bar_height_modules) + u64::from(2 * VERTICAL_MARGIN + TEXT_BAND_MODULES);
    let px = u64::from(style.module_px);
    if u64::from(width) * px * height * px > MAX_PIXELS {
        return Err(RenderError::BadSize("image too large"));
    }
    Ok(Layout {
        modules,
        quiet: style.quiet_zone_modules,
        width,
        bar_height: style.bar_height_modules,
    })
}

/// Runs of bars as (first module, width), offset by the quiet zone.
fn bars(layout: &Layout) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    let mut run: Option<(u32, u32)> = None;
    for (x, &dark) in (layout.quiet..).zip(layout.modules.iter()) {
        run = match (run, dark) {
            (Some((start, w)), true) => Some((start, w + 1)),
            (None, true) => Some((x, 1)),
            (Some(r), false) => {
                out.push(r);
                None
            }
            (None, false) => None,
        };
    }
    out.extend(run);
    out
}

fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The NW-7 barcode of `symbol` as an SVG document, with `caption` (the
/// human-readable number) centred under the bars if given.
///
/// Each bar is one `<rect>` inside `<g id="bars">`, in module units.
pub fn codabar_svg(
    symbol: &Codabar,
    caption: Option<&str>,
    style: &BarcodeStyle,
) -> Result<String, RenderError> {
    let layout = layout(symbol, style)?;
    let text_band = if caption.is_some() {
        TEXT_BAND_MODULES
    } else {
        0
    };
    let height = layout.bar_height + 2 * VERTICAL_MARGIN + text_band;
    let (w, px) = (layout.width, style.module_px);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{}\" height=\"{}\" \
         viewBox=\"0 0 {w} {height}\" shape-rendering=\"crispEdges\">\
         <title>NW-7 {}</title>\
         <rect width=\"{w}\" height=\"{height}\" fill=\"#fff\"/><g id=\"bars\" fill=\"#000\">",
        w * px,
        height * px,
        escape_xml(&symbol.payload()),
    );
    for (x, bar_width) in bars(&layout) {
        svg.push_str(&format!(
            "<rect x=\"{x}\" y=\"{VERTICAL_MARGIN}\" width=\"{bar_width}\" height=\"{}\"/>",
            layout.bar_height
        ));
    }
    svg.push_str("</g>");
    if let Some(caption) = caption {
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" font-family=\"monospace\" font-size=\"{FONT_MODULES}\" \
             text-anchor=\"middle\" fill=\"#000\">{}</text>",
            w / 2,
            VERTICAL_MARGIN + layout.bar_height + FONT_MODULES,
            escape_xml(caption)
        ));
    }
    svg.push_str("</svg>");
    Ok(svg)
}

/// The NW-7 barcode of `symbol` as an 8-bit greyscale PNG: quiet zones,
/// bars and a white margin above and below; no text.
pub fn codabar_png(symbol: &Codabar, style: &BarcodeStyle) -> Result<Vec<u8>, RenderError> {
    let layout = layout(symbol, style)?;
    let px = style.module_px;
    let mut row = vec![0xFFu8; to_usize(layout.width * px)?];
    for (x, bar_width) in bars(&layout) {
        let from = to_usize(x * px)?;
        let to = to_usize((x + bar_width) * px)?;
        if let Some(span) = row.get_mut(from..to) {
            span.fill(0);
        }
    }
    let blank = vec![0xFFu8; row.len()];
    let margin_rows = VERTICAL_MARGIN * px;
    let height = layout.bar_height * px + 2 * margin_rows;
    let mut pixels = Vec::with_capacity(row.len() * to_usize(height)?);
    for y in 0..height {
        let is_bar_row = y >= margin_rows && y < height - margin_rows;
        pixels.extend_from_slice(if is_bar_row { &row } else { &blank });
    }
    encode_grey_png(layout.width * px, height, &pixels)
}

fn to_usize(n: u32) -> Result<usize, RenderError> {
    usize::try_from(n).map_err(|_| RenderError::BadSize("too large for this platform"))
}

fn encode_grey_png(width: u32, height: u32, pixels: &[u8]) -> Result<Vec<u8>, RenderError> {
    let png_err = |e: png::EncodingError| RenderError::Png(e.to_string());
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(png_err)?;
    writer.write_image_data(pixels).map_err(png_err)?;
    writer.finish().map_err(png_err)?;
    Ok(out)
}

/// A QR code with its modules as rows of `true` = dark, plus its width.
fn qr_modules(text: &str, style: &QrStyle) -> Result<(Vec<bool>, u32), RenderError> {
    if style.quiet_zone_modules < MIN_QR_QUIET_ZONE_MODULES {
        return Err(RenderError::QuietZoneTooSmall {
            min: MIN_QR_QUIET_ZONE_MODULES,
            found: style.quiet_zone_modules,
        });
    }
    if style.module_px == 0 || style.quiet_zone_modules > 100 {
        return Err(RenderError::BadSize("module size 0 or quiet zone over 100"));
    }
    let level = match style.error_correction {
        QrErrorCorrection::Low => EcLevel::L,
        QrErrorCorrection::Medium => EcLevel::M,
        QrErrorCorrection::Quartile => EcLevel::Q,
        QrErrorCorrection::High => EcLevel::H,
    };
    let code = QrCode::with_error_correction_level(text, level)
        .map_err(|e| RenderError::Qr(e.to_string()))?;
    let width = u32::try_from(code.width()).map_err(|_| RenderError::BadSize("QR too wide"))?;
    let dark = code
        .to_colors()
        .into_iter()
        .map(|c| c == Color::Dark)
        .collect();
    let side = u64::from(width + 2 * style.quiet_zone_modules) * u64::from(style.module_px);
    if side * side > MAX_PIXELS {
        return Err(RenderError::BadSize("image too large"));
    }
    Ok((dark, width))
}

/// A QR code of `text` as an SVG document (one `<path>`, module units).
pub fn qr_svg(text: &str, style: &QrStyle) -> Result<String, RenderError> {
    let (dark, width) = qr_modules(text, style)?;
    let q = style.quiet_zone_modules;
    let side = width + 2 * q;
    let mut path = String::new();
    for (y, row) in (0u32..).zip(dark.chunks(to_usize(width)?.max(1))) {
        let mut x = 0u32;
        for run in row.chunk_by(|a, b| a == b) {
            let len = u32::try_from(run.len()).unwrap_or(0);
            if run.first() == Some(&true) {
                path.push_str(&format!("M{} {}h{len}v1h-{len}z", x + q, y + q));
            }
            x += len;
        }
    }
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{0}\" height=\"{0}\" \
         viewBox=\"0 0 {side} {side}\" shape-rendering=\"crispEdges\">\
         <rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/>\
         <path fill=\"#000\" d=\"{path}\"/></svg>",
        side * style.module_px
    ))
}

/// A QR code of `text` as an 8-bit greyscale PNG with its quiet zone.
pub fn qr_png(text: &str, style: &QrStyle) -> Result<Vec<u8>, RenderError> {
    let (dark, width) = qr_modules(text, style)?;
    let side = (width + 2 * style.quiet_zone_modules) * style.module_px;
    let (w, q, px, side_px) = (
        to_usize(width)?,
        to_usize(style.quiet_zone_modules)?,
        to_usize(style.module_px)?,
        to_usize(side)?,
    );
    if w == 0 {
        return Err(RenderError::BadSize("empty QR code"));
    }
    let mut pixels = vec![0xFFu8; side_px * side_px];
    for (i, _) in dark.iter().enumerate().filter(|(_, &d)| d) {
        let x0 = (q + i % w) * px;
        let y0 = (q + i / w) * px;
        for y in y0..y0 + px {
            let start = y * side_px + x0;
            if let Some(span) = pixels.get_mut(start..start + px) {
                span.fill(0);
            }
        }
    }
    encode_grey_png(side, side, &pixels)
}

#[cfg(test)]
mod tests {
    use super::super::codabar::StartStop;
    use super::*;

    fn rect_xs(svg: &str) -> Vec<(u32, u32)> {
        let bars = svg
            .split("<g id=\"bars\"")
            .nth(1)
            .and_then(|s| s.split("</g>").next())
            .expect("bars group");
        bars.split("<rect ")
            .skip(1)
            .map(|r| {
                let attr = |name: &str| -> u32 {
                    r.split(&format!("{name}=\""))
                        .nth(1)
                        .and_then(|s| s.split('"').next())
                        .and_then(|s| s.parse().ok())
                        .expect("attribute")
                };
                (attr("x"), attr("width"))
            })
            .collect()
    }

    #[test]
    fn svg_has_quiet_zones_and_four_bars_per_character() {
        let sym = Codabar::new(StartStop::A, "0290253031", StartStop::B).expect("valid");
        let style = BarcodeStyle::default();
        let svg = codabar_svg(&sym, Some("029025303-1"), &style).expect("svg");
        let rects = rect_xs(&svg);
        assert_eq!(rects.len(), 4 * 12);
        let total = u32::try_from(sym.modules(style.wide_ratio).len()).expect("fits");
        let width = total + 2 * MIN_QUIET_ZONE_MODULES;
        assert!(svg.contains(&format!("viewBox=\"0 0 {width} ")), "{svg}");
        let (first_x, _) = rects[0];
        let (last_x, last_w) = rects[rects.len() - 1];
        assert_eq!(first_x, MIN_QUIET_ZONE_MODULES);
        assert_eq!(width - (last_x + last_w), MIN_QUIET_ZONE_MODULES);
        assert!(svg.contains(">029025303-1</text>"));
        assert!(svg.contains("<title>NW-7 A0290253031B</title>"));
        // Bars are narrow (1) or wide (3) at the default ratio.
        assert!(rects.iter().all(|&(_, w)| w == 1 || w == 3));
    }

    #[test]
    fn rejects_small_quiet_zone_and_absurd_sizes() {
        let sym = Codabar::new(StartStop::A, "1", StartStop::A).expect("valid");
        let style = BarcodeStyle {
            quiet_zone_modules: 9,
            ..BarcodeStyle::default()
        };
        assert_eq!(
            codabar_png(&sym, &style).map_err(|e| e.code()),
            Err("quiet_zone_too_small")
        );
        let huge = BarcodeStyle {
            module_px: 10_000,
            ..BarcodeStyle::default()
        };
        assert_eq!(
            codabar_svg(&sym, None, &huge).map_err(|e| e.code()),
            Err("bad_size")
        );
        let qr = QrStyle {
            quiet_zone_modules: 2,
            ..QrStyle::default()
        };
        assert_eq!(
            qr_png("1", &qr).map_err(|e| e.code()),
            Err("quiet_zone_too_small")
        );
        assert_eq!(
            qr_svg(&"9".repeat(10_000), &QrStyle::default()).map_err(|e| e.code()),
            Err("qr")
        );
    }

    #[test]
    fn png_has_the_expected_size() {
        let sym = Codabar::new(StartStop::A, "0290253031", StartStop::A).expect("valid");
        let style = BarcodeStyle::default();
        let png = codabar_png(&sym, &style).expect("png");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let decoder = png::Decoder::new(std::io::Cursor::new(&png));
        let reader = decoder.read_info().expect("header");
        let info = reader.info();
        let modules = u32::try_from(sym.modules(style.wide_ratio).len()).expect("fits");
        assert_eq!(info.width, (modules + 20) * style.module_px);
        assert_eq!(info.height, (60 + 2 * VERTICAL_MARGIN) * style.module_px);
    }

    #[test]
    fn captions_are_escaped() {
        let sym = Codabar::new(StartStop::A, "1", StartStop::A).expect("valid");
        let svg = codabar_svg(&sym, Some("<&>"), &BarcodeStyle::default()).expect("svg");
        assert!(svg.contains(">&lt;&amp;&gt;</text>"));
    }
}
