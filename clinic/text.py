"""What counts as text a person can see, for every form field of the site.

Some characters take no room on screen: the default-ignorable code points
(zero-width spaces, joiners, direction marks, variation selectors, tags), the
Hangul and halfwidth Hangul fillers, the Braille blank, other format and
control characters, unassigned and private-use code points, and combining
marks with nothing to combine with. A required answer made only of those (and
spaces) is no answer. Bidirectional controls reorder what follows them, so a
name typed as "Zelda \\u202egnp.exe" would read differently in admin, the CSV
export and emails: one-line answers never keep them, longer text keeps only
the marks (LRM, RLM, ALM) that right-to-left writing needs.
"""

import unicodedata

# Letters and symbols that draw nothing: Hangul choseong/jungseong fillers, the Hangul
# filler, the halfwidth Hangul filler (all default-ignorable) and the Braille blank.
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Embeddings, overrides and isolates: they reorder the text after them.
BIDI_REORDERING = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Marks: they only change how neutral characters around them are ordered.
BIDI_MARKS = frozenset("\u200e\u200f\u061c")
# Format characters that one-line text keeps: the joiners some scripts and emoji need,
# and the tag characters of flag emoji.
KEPT_FORMAT = frozenset("\u200c\u200d") | frozenset(map(chr, range(0xE0020, 0xE0080)))
# Categories that draw nothing on their own: spaces and separators, controls, format,
# surrogates, private use, unassigned, and combining marks.
INVISIBLE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn", "Mn", "Me"})


def is_invisible(char):
    """True for a character (a one-character str) that shows nothing by itself."""
    return char in BLANK_LETTERS or unicodedata.category(char) in INVISIBLE_CATEGORIES


def has_visible_text(value):
    """True when `value` (a str) holds at least one character a person can see."""
    return not all(is_invisible(char) for char in value)


def plain_text(value, *, one_line):
    """`value` as it should be kept: without bidirectional controls (for `one_line`
    text, also without the other invisible format characters, such as zero-width
    spaces), without invisible characters at either end, and "" when nothing
    visible is left. Line breaks, tabs and NUL are left for the field's own
    validators to refuse or keep."""
    if one_line:
        value = "".join(
            char
            for char in value
            if char in KEPT_FORMAT or not (unicodedata.category(char) == "Cf" or char in BIDI_MARKS)
        )
    else:
        value = "".join(char for char in value if char not in BIDI_REORDERING)
    if not has_visible_text(value):
        return ""
    return value.strip("".join(char for char in set(value) if _blank_at_an_end(char)))


def _blank_at_an_end(char):
    # Combining marks and joiners at the end belong to the character before them.
    return char not in KEPT_FORMAT and (char in BLANK_LETTERS or unicodedata.category(char)[0] in "ZC")
