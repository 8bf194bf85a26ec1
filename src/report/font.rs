//! The report's web font: the glyphs a report uses, cut from the bundled chart font
//! ([`crate::report::chart::FONT_BYTES`], WenQuanYi Micro Hei, Apache-2.0) and embedded
//! as a base64 `@font-face`, so Chinese text renders on a machine without any CJK
//! font and the report stays one file.
//!
//! The glyph subsetting itself (glyph closure of composite glyphs, `glyf`/`loca`,
//! `hmtx`/`hhea`, `maxp`, `name`, `post`) is done by the `subsetter` crate (typst).
//! That crate writes fonts for PDF embedding and leaves out the two tables a browser
//! also needs, `cmap` (characters to glyphs) and `OS/2`; [`subset_font`] adds them: a
//! format-4 `cmap` for the kept characters and the original `OS/2`, then re-assembles
//! the table directory with fresh checksums.
//!
//! # Example
//! ```
//! let ttf = csi::report::font::subset_font("满意度 65.3")?;
//! let face = ttf_parser::Face::parse(&ttf, 0).unwrap();
//! assert!(face.glyph_index('满').is_some());
//! assert!(face.glyph_index('忠').is_none()); // not used, not kept
//! assert!(ttf.len() < 20_000);
//! # Ok::<(), csi::Error>(())
//! ```
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use crate::error::{Error, Result};
use crate::report::chart::FONT_BYTES;
use base64::Engine;
use std::collections::BTreeMap;

/// CSS family name of the embedded font.
pub const EMBEDDED_FAMILY: &str = "csi-embedded";

fn font_err(msg: impl Into<String>) -> Error {
    Error::Chart {
        path: "<bundled font>".into(),
        message: msg.into(),
    }
}

/// A TrueType font with the glyphs of the characters in `text` (and printable ASCII),
/// usable by browsers (`cmap` and `OS/2` included). Characters the bundled font lacks
/// are skipped (the browser falls back to another font for them).
///
/// # Errors
/// [`Error::Chart`] if the bundled font cannot be parsed or subset (a corrupt build).
pub fn subset_font(text: &str) -> Result<Vec<u8>> {
    let face = ttf_parser::Face::parse(FONT_BYTES, 0)
        .map_err(|e| font_err(format!("cannot parse the bundled font: {e}")))?;
    let mut chars: Vec<char> = text.chars().chain((0x20u8..0x7f).map(char::from)).collect();
    chars.sort_unstable();
    chars.dedup();
    let mut remapper = subsetter::GlyphRemapper::new();
    remapper.remap(0); // .notdef first
    let mut map: BTreeMap<u32, u16> = BTreeMap::new();
    for c in chars {
        if (c as u32) > 0xFFFF {
            continue;
        }
        if let Some(g) = face.glyph_index(c) {
            let new = remapper.remap(g.0);
            map.insert(c as u32, new);
        }
    }
    let sub = subsetter::subset(FONT_BYTES, 0, &remapper)
        .map_err(|e| font_err(format!("cannot subset the bundled font: {e}")))?;
    let os2 = face
        .raw_face()
        .table(ttf_parser::Tag::from_bytes(b"OS/2"))
        .ok_or_else(|| font_err("the bundled font has no OS/2 table"))?;
    let mut tables = read_tables(&sub)?;
    tables.retain(|(t, _)| t != b"cmap" && t != b"OS/2");
    tables.push((*b"cmap", cmap_format4(&map)));
    tables.push((*b"OS/2", os2.to_vec()));
    Ok(assemble(tables))
}

/// The `@font-face` rule of the subset for `text`, as a base64 `data:` URL (nothing
/// is loaded from anywhere).
///
/// # Errors
/// As [`subset_font`].
pub fn font_face_css(text: &str) -> Result<String> {
    let ttf = subset_font(text)?;
    let b64 = base64::engine::general_purpose::STANDARD.encode(ttf);
    Ok(format!(
        "@font-face{{font-family:\"{EMBEDDED_FAMILY}\";src:url(data:font/ttf;base64,{b64}) format(\"truetype\");font-weight:normal;font-style:normal;}}"
    ))
}

fn be16(d: &[u8], at: usize) -> Option<u16> {
    d.get(at..at + 2)
        .and_then(|b| b.try_into().ok())
        .map(u16::from_be_bytes)
}

fn be32(d: &[u8], at: usize) -> Option<u32> {
    d.get(at..at + 4)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_be_bytes)
}

/// The tables of an sfnt file.
fn read_tables(d: &[u8]) -> Result<Vec<([u8; 4], Vec<u8>)>> {
    let bad = || font_err("the subset font is malformed");
    let n = be16(d, 4).ok_or_else(bad)? as usize;
    let mut out = Vec::with_capacity(n + 2);
    for i in 0..n {
        let rec = 12 + 16 * i;
        let tag: [u8; 4] = d
            .get(rec..rec + 4)
            .and_then(|t| t.try_into().ok())
            .ok_or_else(bad)?;
        let off = be32(d, rec + 8).ok_or_else(bad)? as usize;
        let len = be32(d, rec + 12).ok_or_else(bad)? as usize;
        let data = d.get(off..off + len).ok_or_else(bad)?.to_vec();
        out.push((tag, data));
    }
    Ok(out)
}

fn checksum(d: &[u8]) -> u32 {
    d.chunks(4).fold(0u32, |s, c| {
        let mut b = [0u8; 4];
        // a chunk has 1 to 4 bytes: the last is padded with zeros
        for (x, y) in b.iter_mut().zip(c) {
            *x = *y;
        }
        s.wrapping_add(u32::from_be_bytes(b))
    })
}

/// An sfnt file (TrueType outlines) from its tables: sorted directory, 4-byte
/// alignment, table checksums and `head.checkSumAdjustment`.
fn assemble(mut tables: Vec<([u8; 4], Vec<u8>)>) -> Vec<u8> {
    tables.sort_by_key(|t| t.0);
    let n = tables.len() as u16;
    let mut entry_selector = 0u16;
    while (1u32 << (entry_selector + 1)) <= n as u32 {
        entry_selector += 1;
    }
    let search_range = (1u16 << entry_selector) * 16;
    let mut out = Vec::new();
    out.extend_from_slice(&0x0001_0000u32.to_be_bytes());
    out.extend_from_slice(&n.to_be_bytes());
    out.extend_from_slice(&search_range.to_be_bytes());
    out.extend_from_slice(&entry_selector.to_be_bytes());
    out.extend_from_slice(&(n * 16 - search_range).to_be_bytes());
    let mut offset = 12 + 16 * tables.len();
    let mut head_at = None;
    for (tag, data) in tables.iter_mut() {
        if tag == b"head" && data.len() >= 12 {
            // checkSumAdjustment (bytes 8..12) is zero while the checksums are summed
            if let Some(adj) = data.get_mut(8..12) {
                adj.fill(0);
            }
            head_at = Some(offset + 8);
        }
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(data).to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        offset += data.len().div_ceil(4) * 4;
    }
    for (_, data) in &tables {
        out.extend_from_slice(data);
        while out.len() % 4 != 0 {
            out.push(0);
        }
    }
    if let Some(i) = head_at {
        let adj = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
        if let Some(at) = out.get_mut(i..i + 4) {
            at.copy_from_slice(&adj.to_be_bytes());
        }
    }
    out
}

/// A `cmap` table with one format-4 subtable (platform 3, encoding 1: Unicode BMP),
/// one segment per run of consecutive characters with consecutive glyphs.
fn cmap_format4(map: &BTreeMap<u32, u16>) -> Vec<u8> {
    // segments (start, end, delta)
    let mut segs: Vec<(u16, u16, u16)> = Vec::new();
    for (&cp, &gid) in map {
        let cp = cp as u16;
        let delta = gid.wrapping_sub(cp);
        match segs.last_mut() {
            Some(s) if s.1.wrapping_add(1) == cp && s.2 == delta && cp != 0xFFFF => s.1 = cp,
            _ => segs.push((cp, cp, delta)),
        }
    }
    segs.push((0xFFFF, 0xFFFF, 1));
    let seg_x2 = (segs.len() * 2) as u16;
    let mut p = 0u16;
    while (1u32 << (p + 1)) <= segs.len() as u32 {
        p += 1;
    }
    let search_range = 2 * (1u16 << p);
    let mut sub = Vec::new();
    let len = 16 + 8 * segs.len();
    for v in [
        4u16,
        len as u16,
        0,
        seg_x2,
        search_range,
        p,
        seg_x2 - search_range,
    ] {
        sub.extend_from_slice(&v.to_be_bytes());
    }
    for s in &segs {
        sub.extend_from_slice(&s.1.to_be_bytes());
    }
    sub.extend_from_slice(&0u16.to_be_bytes());
    for s in &segs {
        sub.extend_from_slice(&s.0.to_be_bytes());
    }
    for s in &segs {
        sub.extend_from_slice(&s.2.to_be_bytes());
    }
    for _ in &segs {
        sub.extend_from_slice(&0u16.to_be_bytes());
    }
    let mut out = Vec::new();
    for v in [0u16, 1, 3, 1] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    out.extend_from_slice(&12u32.to_be_bytes());
    out.extend_from_slice(&sub);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subset_maps_every_kept_character_to_the_same_outline() {
        let text = "顾客满意度 Satisfaction 0.131 修补区";
        let ttf = subset_font(text).unwrap();
        let full = ttf_parser::Face::parse(FONT_BYTES, 0).unwrap();
        let sub = ttf_parser::Face::parse(&ttf, 0).unwrap();
        for c in text.chars().filter(|c| !c.is_whitespace()) {
            let g0 = full.glyph_index(c).unwrap();
            let g1 = sub.glyph_index(c).unwrap_or_else(|| panic!("{c} missing"));
            assert_eq!(full.glyph_hor_advance(g0), sub.glyph_hor_advance(g1), "{c}");
            assert_eq!(
                full.glyph_bounding_box(g0),
                sub.glyph_bounding_box(g1),
                "{c}"
            );
        }
        assert!(sub.glyph_index('航').is_none());
        // the whole-file checksum of a valid sfnt is 0xB1B0AFBA
        assert_eq!(checksum(&ttf), 0xB1B0_AFBA);
    }
}
