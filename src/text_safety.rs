//! Text from users (cell values, column names, labels, group names, file names) made
//! safe for the place it is shown: a terminal, an SVG/HTML document, an error message.
//!
//! * [`terminal`] and [`terminal_multiline`] make control characters visible: a cell
//!   holding `ESC ] 0 ; title BEL` could otherwise set the terminal window's title or
//!   clear the screen, and a right-to-left override (U+202E) could make `exe.pdf`
//!   read as `fdp.exe`. C0 controls (U+0000-U+001F), DEL (U+007F), C1 controls
//!   (U+0080-U+009F), the bidirectional formatting characters (U+061C, U+200E, U+200F,
//!   U+202A-U+202E, U+2066-U+2069) and the line/paragraph separators (U+2028, U+2029)
//!   are written as escapes: `\n`, `\t`, `\r`, and `\u{1B}` for the others.
//! * [`xml_text`] and [`xml_attr`] escape markup (`&`, `<`, `>`, and quotes in
//!   attributes) and remove the characters XML 1.0 forbids (C0 controls other than
//!   tab, line feed and carriage return; U+FFFE and U+FFFF), plus DEL and the C1
//!   controls, which XML 1.0 discourages and no font draws. The result is well-formed
//!   in SVG and HTML whatever the input.
//! * [`excerpt`] shortens long text for a message: at most [`MAX_SHOWN_CHARS`]
//!   characters, an ellipsis, and the full length (a 50 MB cell must not become a
//!   50 MB error message).
//!
//! Every function returns [`Cow::Borrowed`] when nothing needs to change, so the
//! usual text costs no allocation.
//!
//! # Example
//! ```
//! use csi::text_safety::{terminal, xml_text, excerpt};
//! assert_eq!(terminal("满意度"), "满意度");
//! assert_eq!(terminal("a\u{1b}]0;pwned\u{7}b"), "a\\u{1B}]0;pwned\\u{7}b");
//! assert_eq!(terminal("invoice\u{202E}fdp.exe"), "invoice\\u{202E}fdp.exe");
//! assert_eq!(xml_text("A & B <C>\u{0}"), "A &amp; B &lt;C&gt;");
//! assert_eq!(excerpt(&"x".repeat(100), 5), "xxxxx… (100 characters)");
//! ```
// No panics on any input (issue 10): unwrap, expect and panic are denied at the crate root;
// here indexing that can fail is denied too, outside tests.
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use std::borrow::Cow;
use std::fmt::Write as _;

/// The most characters of a cell value quoted in a message before it is cut (see
/// [`excerpt`]).
pub const MAX_SHOWN_CHARS: usize = 60;

/// The most characters of a name (column, construct, item, group) quoted in a
/// message before it is cut. Longer than [`MAX_SHOWN_CHARS`]: a column named after
/// its whole question text is common and must stay recognisable.
pub const MAX_NAME_CHARS: usize = 200;

/// True for the bidirectional formatting characters (embeddings, overrides,
/// isolates and marks) that can reorder the text around them on screen.
///
/// ```
/// assert!(csi::text_safety::is_bidi_control('\u{202E}'));
/// assert!(!csi::text_safety::is_bidi_control('م'));
/// ```
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// True for a character [`terminal`] writes as an escape: C0 and C1 controls, DEL,
/// bidirectional formatting characters and the Unicode line/paragraph separators.
///
/// ```
/// use csi::text_safety::needs_terminal_escape;
/// assert!(needs_terminal_escape('\u{1b}'));
/// assert!(needs_terminal_escape('\u{85}'));
/// assert!(!needs_terminal_escape('é'));
/// ```
pub fn needs_terminal_escape(c: char) -> bool {
    c.is_control() || is_bidi_control(c) || matches!(c, '\u{2028}' | '\u{2029}')
}

fn terminal_with(s: &str, keep_lines: bool) -> Cow<'_, str> {
    let keep = |c: char| keep_lines && (c == '\n' || c == '\t');
    let Some(first) = s.find(|c: char| needs_terminal_escape(c) && !keep(c)) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(s.get(..first).unwrap_or(""));
    for c in s.get(first..).unwrap_or("").chars() {
        if !needs_terminal_escape(c) || keep(c) {
            out.push(c);
            continue;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c => {
                let _ = write!(out, "\\u{{{:X}}}", c as u32);
            }
        }
    }
    Cow::Owned(out)
}

/// Text for one line of a terminal: every control character (line breaks and tabs
/// included), bidirectional override and line separator is written as a visible
/// escape (`\n`, `\t`, `\r`, `\u{1B}`, `\u{202E}`).
///
/// ```
/// use csi::text_safety::terminal;
/// assert_eq!(terminal("SAT"), "SAT");
/// assert_eq!(terminal("two\nlines\r"), "two\\nlines\\r");
/// assert_eq!(terminal("\u{1b}[2J"), "\\u{1B}[2J");
/// assert!(matches!(terminal("plain"), std::borrow::Cow::Borrowed(_)));
/// ```
pub fn terminal(s: &str) -> Cow<'_, str> {
    terminal_with(s, false)
}

/// Like [`terminal`], but keeps line feeds and tabs (for text the caller lays out
/// over several lines).
///
/// ```
/// use csi::text_safety::terminal_multiline;
/// assert_eq!(terminal_multiline("a\tb\nc\u{7}"), "a\tb\nc\\u{7}");
/// ```
pub fn terminal_multiline(s: &str) -> Cow<'_, str> {
    terminal_with(s, true)
}

/// A whole SVG or HTML document made safe after it was built (a net behind the
/// escaping of each text): every character [`terminal`] escapes, except tab, line
/// feed and carriage return, and the non-characters U+FFFE and U+FFFF, is written as
/// a visible `\u{1B}`. Markup never holds such characters, so only user text changes;
/// the result is well-formed XML whenever the input was well-formed apart from them
/// (a chart library that escapes `&` and `<` but passes control characters through).
///
/// ```
/// use csi::text_safety::markup_document;
/// assert_eq!(
///     markup_document("<text>a\u{1b}[2J\u{202E}b</text>\n"),
///     "<text>a\\u{1B}[2J\\u{202E}b</text>\n"
/// );
/// assert!(matches!(markup_document("<svg/>"), std::borrow::Cow::Borrowed(_)));
/// ```
pub fn markup_document(s: &str) -> Cow<'_, str> {
    let bad = |c: char| {
        (needs_terminal_escape(c) && !matches!(c, '\t' | '\n' | '\r'))
            || matches!(c, '\u{FFFE}' | '\u{FFFF}')
    };
    let Some(first) = s.find(bad) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 16);
    out.push_str(s.get(..first).unwrap_or(""));
    for c in s.get(first..).unwrap_or("").chars() {
        if bad(c) {
            let _ = write!(out, "\\u{{{:X}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A JSON text made safe to print: C1 controls, DEL, bidirectional formatting
/// characters and the line/paragraph separators (which JSON allows raw inside
/// strings, and serde_json writes raw) become `\uXXXX` escapes. They can only occur
/// inside strings, so the document means the same; C0 controls are already escaped
/// by every JSON writer.
///
/// ```
/// use csi::text_safety::json_document;
/// assert_eq!(json_document("{\"g\":\"a\u{202E}b\u{9B}\"}"), "{\"g\":\"a\\u202eb\\u009b\"}");
/// let v: serde_json::Value = serde_json::from_str(&json_document("[\"\u{202E}\"]")).unwrap();
/// assert_eq!(v[0], "\u{202E}");
/// ```
pub fn json_document(s: &str) -> Cow<'_, str> {
    let Some(first) = s.find(needs_terminal_escape) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 16);
    out.push_str(s.get(..first).unwrap_or(""));
    for c in s.get(first..).unwrap_or("").chars() {
        // outside strings JSON has only spaces, tabs, line feeds and carriage returns
        if needs_terminal_escape(c) && !matches!(c, '\t' | '\n' | '\r' | ' ') {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{:04x}", u);
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// True for characters removed from XML output: those XML 1.0 forbids (C0 controls
/// other than tab, line feed and carriage return, U+FFFE, U+FFFF) and DEL and the C1
/// controls, which it discourages.
fn xml_drop(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

fn xml_with(s: &str, attr: bool) -> Cow<'_, str> {
    let special = |c: char| {
        xml_drop(c)
            || matches!(c, '&' | '<' | '>')
            || (attr && matches!(c, '"' | '\'' | '\t' | '\n' | '\r'))
    };
    let Some(first) = s.find(special) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 16);
    out.push_str(s.get(..first).unwrap_or(""));
    for c in s.get(first..).unwrap_or("").chars() {
        match c {
            c if xml_drop(c) => {}
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            '\'' if attr => out.push_str("&#39;"),
            '\t' if attr => out.push_str("&#9;"),
            '\n' if attr => out.push_str("&#10;"),
            '\r' if attr => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Text content of an SVG/HTML/XML element: `&`, `<`, `>` escaped, characters XML
/// 1.0 forbids (and DEL, C1 controls) removed.
///
/// ```
/// use csi::text_safety::xml_text;
/// assert_eq!(xml_text("<script>&"), "&lt;script&gt;&amp;");
/// assert_eq!(xml_text("bell\u{7} nul\u{0} \u{FFFF}ok"), "bell nul ok");
/// assert_eq!(xml_text("\"quoted\" 'text'\n"), "\"quoted\" 'text'\n");
/// ```
pub fn xml_text(s: &str) -> Cow<'_, str> {
    xml_with(s, false)
}

/// An attribute value (between `"` or `'`): as [`xml_text`], plus both quotes
/// escaped, and tab, line feed and carriage return written as character references
/// (an XML parser would otherwise turn them into spaces).
///
/// ```
/// use csi::text_safety::xml_attr;
/// assert_eq!(xml_attr("a\"b'c<d"), "a&quot;b&#39;c&lt;d");
/// assert_eq!(xml_attr("1\n2\u{1b}"), "1&#10;2");
/// ```
pub fn xml_attr(s: &str) -> Cow<'_, str> {
    xml_with(s, true)
}

/// At most `max` characters of `s`; a longer text is cut there and gets an ellipsis
/// and its full length in characters. The text is not otherwise changed (combine
/// with [`terminal`] for a terminal).
///
/// ```
/// use csi::text_safety::excerpt;
/// assert_eq!(excerpt("7分", 60), "7分");
/// assert_eq!(excerpt("满意度很高很高", 3), "满意度… (7 characters)");
/// ```
pub fn excerpt(s: &str, max: usize) -> Cow<'_, str> {
    // a text of at most `max` bytes has at most `max` characters
    if s.len() <= max {
        return Cow::Borrowed(s);
    }
    let Some((cut, _)) = s.char_indices().nth(max) else {
        return Cow::Borrowed(s);
    };
    let total = s.chars().count();
    Cow::Owned(format!(
        "{}… ({total} characters)",
        s.get(..cut).unwrap_or("")
    ))
}

/// A cell value as quoted in an error message: [`excerpt`] to [`MAX_SHOWN_CHARS`]
/// characters, then [`terminal`] escapes.
///
/// ```
/// use csi::text_safety::shown;
/// assert_eq!(shown("7分"), "7分");
/// assert_eq!(shown("a\u{1b}b"), "a\\u{1B}b");
/// assert!(shown(&"9".repeat(1000)).ends_with("… (1000 characters)"));
/// ```
pub fn shown(s: &str) -> Cow<'_, str> {
    shown_cut(s, MAX_SHOWN_CHARS)
}

/// A name (column, construct, item, label) as quoted in an error message:
/// [`excerpt`] to [`MAX_NAME_CHARS`] characters, then [`terminal`] escapes.
///
/// ```
/// use csi::text_safety::shown_name;
/// let q = "Q12. How satisfied are you with the cleanliness of the cabin during the flight?";
/// assert_eq!(shown_name(q), q);
/// assert_eq!(shown_name("sat\n1"), "sat\\n1");
/// assert!(shown_name(&"x".repeat(50_000_000)).len() < 250);
/// ```
pub fn shown_name(s: &str) -> Cow<'_, str> {
    shown_cut(s, MAX_NAME_CHARS)
}

/// At most `max` visible characters of `s` with control characters escaped (an
/// escape counts with its length), then, when cut, an ellipsis and the length of
/// `s` in characters.
fn shown_cut(s: &str, max: usize) -> Cow<'_, str> {
    if s.len() <= max && !s.chars().any(needs_terminal_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len().min(max * 2) + 24);
    let mut width = 0usize;
    for c in s.chars() {
        if width >= max {
            let _ = write!(out, "… ({} characters)", s.chars().count());
            return Cow::Owned(out);
        }
        if needs_terminal_escape(c) {
            let e = terminal_with(c.encode_utf8(&mut [0u8; 4]), false).into_owned();
            width += e.chars().count();
            out.push_str(&e);
        } else {
            width += 1;
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_escapes_every_control_character() {
        for u in (0u32..0x20).chain(0x7F..0xA0) {
            let c = char::from_u32(u).unwrap_or('?');
            let s = format!("a{c}b");
            let t = terminal(&s);
            assert!(!t.chars().any(|c| c.is_control()), "U+{u:04X}: {t:?}");
            assert!(t.len() > 2, "U+{u:04X} was dropped instead of shown");
        }
        assert_eq!(terminal("\u{0}"), "\\u{0}");
        assert_eq!(terminal("\u{9b}31m"), "\\u{9B}31m");
    }

    #[test]
    fn terminal_shows_bidi_overrides() {
        for c in [
            '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}',
            '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}', '\u{2028}', '\u{2029}',
        ] {
            let t = terminal_multiline(&c.to_string()).into_owned();
            assert_eq!(t, format!("\\u{{{:X}}}", c as u32));
        }
        // right-to-left letters themselves are text
        assert_eq!(terminal("שלום مرحبا"), "שלום مرحبا");
    }

    #[test]
    fn multiline_keeps_only_newline_and_tab() {
        assert_eq!(terminal_multiline("a\nb\tc\rd"), "a\nb\tc\\rd");
        assert_eq!(terminal("a\nb\tc"), "a\\nb\\tc");
    }

    #[test]
    fn xml_output_is_always_allowed_text() {
        let all: String = (0u32..0x300)
            .chain([0xFFFE, 0xFFFF, 0x202E])
            .filter_map(char::from_u32)
            .collect();
        for out in [xml_text(&all), xml_attr(&all)] {
            for c in out.chars() {
                let u = c as u32;
                let allowed = matches!(u, 0x9 | 0xA | 0xD)
                    || (0x20..=0xD7FF).contains(&u)
                    || (0xE000..=0xFFFD).contains(&u)
                    || u >= 0x10000;
                assert!(allowed, "U+{u:04X} left in XML output");
            }
            assert!(!out.contains('<') && !out.contains('>'));
            // every '&' starts an entity we wrote
            for (i, _) in out.match_indices('&') {
                let rest = &out[i..];
                assert!(
                    ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&#9;", "&#10;", "&#13;"]
                        .iter()
                        .any(|e| rest.starts_with(e)),
                    "{}",
                    &rest[..rest.len().min(8)]
                );
            }
        }
        assert!(xml_text(&all).contains('\u{202E}'));
        assert!(!xml_attr(&all).contains('"') && !xml_attr(&all).contains('\''));
    }

    #[test]
    fn excerpt_counts_characters_not_bytes() {
        let s = "é".repeat(61);
        assert_eq!(
            excerpt(&s, 60),
            format!("{}… (61 characters)", "é".repeat(60))
        );
        let s = "é".repeat(60); // 120 bytes, 60 characters
        assert_eq!(excerpt(&s, 60), s);
        assert_eq!(excerpt("", 0), "");
        assert_eq!(excerpt("ab", 0), "… (2 characters)");
    }

    #[test]
    fn escapes_count_towards_the_cut() {
        let s = "\u{1b}".repeat(1000);
        let t = shown_name(&s);
        assert!(t.chars().count() < MAX_NAME_CHARS + 30, "{}", t.len());
        assert!(t.starts_with("\\u{1B}\\u{1B}"));
        assert!(t.ends_with("… (1000 characters)"), "{t}");
        assert!(!t.chars().any(|c| c.is_control()));
    }

    #[test]
    fn shown_is_short_and_clean() {
        let s = format!("{}\u{1b}", "x".repeat(100_000));
        let t = shown(&s);
        assert!(t.len() < 100, "{t}");
        assert!(t.ends_with("… (100001 characters)"));
        let s = format!("\u{1b}{}", "x".repeat(100));
        assert!(shown(&s).starts_with("\\u{1B}xxx"));
    }
}
