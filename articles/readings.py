"""How a name is read aloud, for finding it by typing pinyin: 贵州茅台 -> gzmt, guizhoumaotai.

Editors on a Chinese keyboard find a security or a tag fastest by its initials (the
way every trading terminal does it), or by its full pinyin. The readings are stored
next to the name (StockReference's derived fields, the TagReading table) so a lookup
is a prefix query on an indexed column, not pinyin computed over every row per key.

Only the usual reading of each word is kept (pypinyin's phrase dictionary picks it:
平安银行 -> payh, 重庆啤酒 -> cqpj); a name it misreads is still found by its
characters or its code. Latin and digit runs stay whole (TCL科技 -> tclkj, 5G概念 ->
5ggn); punctuation and emoji read as nothing (*ST -> st, 📈 -> "").

Pure: no database.
"""

import re
import unicodedata

from pypinyin import Style, lazy_pinyin

READING_MAX_LENGTH = 200

_NOT_LETTERS = re.compile(r"[^0-9a-z]+")


def _spelled(syllables: list[str]) -> str:
    return _NOT_LETTERS.sub("", "".join(syllables).lower())[:READING_MAX_LENGTH]


def reading(name: str) -> tuple[str, str]:
    """(initials, full pinyin) of a name, lower-case ASCII letters and digits only."""
    # NFKC first: full-width Latin and digits (Ａ股, ＴＣＬ) read as the ASCII ones.
    name = unicodedata.normalize("NFKC", name or "")
    # Both from the same phrase dictionary, so the initials are those of the reading.
    # Runs that are not Han ("TCL", "5G") come back whole in both styles.
    initials = lazy_pinyin(name, style=Style.FIRST_LETTER)
    return _spelled(initials), _spelled(lazy_pinyin(name))


def typed_reading(query: str) -> str:
    """A query as it would match a reading: `GZ MT` -> `gzmt`; "" when nothing is left."""
    query = unicodedata.normalize("NFKC", query or "").lower()
    return _NOT_LETTERS.sub("", query)[:READING_MAX_LENGTH]
