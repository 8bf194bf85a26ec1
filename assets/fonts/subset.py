#!/usr/bin/env python3
"""Rebuild wqy-microhei-gb2312-big5.ttf, the chart font bundled with csi.

Source: Debian package fonts-wqy-microhei (0.2.0-beta), face 0 ("WenQuanYi Micro Hei")
of /usr/share/fonts/truetype/wqy/wqy-microhei.ttc, licensed Apache-2.0 (or GPLv3+ with
the font exception; csi uses it under Apache-2.0).

Kept: every character of GB2312 (simplified Chinese) and Big5 (traditional Chinese),
ASCII, Latin-1 and Latin Extended-A, general punctuation, super/subscripts, arrows,
CJK symbols and punctuation, half- and full-width forms. Hinting is dropped (the
rasteriser csi uses, ab_glyph, does not hint).

    apt-get install -y fonts-wqy-microhei && pip install fonttools && python3 subset.py
"""
from fontTools import subset
from fontTools.ttLib import TTCollection

SRC = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
OUT = "wqy-microhei-gb2312-big5.ttf"


def double_byte(encoding):
    chars = set()
    for b1 in range(0x81, 0xFF):
        for b2 in range(0x40, 0xFF):
            try:
                chars.add(ord(bytes([b1, b2]).decode(encoding)))
            except (UnicodeDecodeError, TypeError):
                pass
    return chars


def main():
    ranges = [(0x20, 0x7F), (0xA0, 0x180), (0x2000, 0x20A0), (0x2190, 0x2200),
              (0x2460, 0x24FF), (0x3000, 0x3040), (0xFF00, 0xFFF0)]
    wanted = double_byte("gb2312") | double_byte("big5")
    for lo, hi in ranges:
        wanted |= set(range(lo, hi))
    font = TTCollection(SRC).fonts[0]
    cmap = font.getBestCmap()
    wanted = {c for c in wanted if c in cmap}
    opts = subset.Options()
    opts.hinting = False
    opts.layout_features = ["*"]
    opts.name_IDs = ["*"]
    opts.notdef_outline = True
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=wanted)
    sub.subset(font)
    font.save(OUT)
    print(f"{OUT}: {len(wanted)} characters")


if __name__ == "__main__":
    main()
