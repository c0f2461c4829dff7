"""Text encodings of CSV files: which one decodes the file, and whether the text it gives is believable.

Office PCs write UTF-8, UTF-8 with BOM (Excel's "CSV UTF-8"), GBK/GB18030
(Excel's "CSV" on simplified-Chinese Windows) or UTF-16 (Excel's "Unicode
text").  :func:`detect_encoding` picks the first that decodes the bytes.

Decoding without error is not enough: GB18030 decodes *any* byte string, so a
Big5 file (traditional Chinese, Taiwan/Hong Kong) comes out as gibberish with
no complaint.  :func:`text_plausibility` judges decoded text by the share of
its non-ASCII characters that are common characters of the encoding's own
script (for the GB family: the GB2312 hanzi and punctuation, which hold
99.9 % of the characters of mainland place names; kana, box drawing, private
use and rare extension characters are what misread bytes give), and
:func:`decode_bytes` refuses text below :data:`PLAUSIBLE_SHARE` with
:class:`SuspectEncodingError`, naming the encoding that reads the file as
believable text.
"""

from __future__ import annotations

import codecs
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from planner.errors import DataError

__all__ = [
    "ENCODINGS",
    "PLAUSIBLE_SHARE",
    "MIN_JUDGED_CHARS",
    "SuspectEncodingError",
    "EncodingJudgement",
    "detect_encoding",
    "text_plausibility",
    "decode_bytes",
]

#: Encodings tried by ``encoding="auto"``, strictly in this order (a UTF-16 byte-order mark is honoured first).
ENCODINGS: tuple[str, ...] = ("utf-8", "utf-8-sig", "gbk", "gb18030")

#: Decoded text whose non-ASCII characters are less often than this common characters is refused.
PLAUSIBLE_SHARE = 0.9

#: Text with fewer non-ASCII characters than this is not judged (too little to tell).
MIN_JUDGED_CHARS = 8

#: Encodings tried when the text looks wrong, with what each is called in messages.
_ALTERNATIVES: dict[str, str] = {
    "big5": "Big5 (traditional Chinese, Taiwan/Hong Kong)",
    "big5hkscs": "Big5-HKSCS (traditional Chinese, Hong Kong)",
    "gb18030": "GBK/GB18030 (simplified Chinese, Excel's 'CSV' on Chinese Windows)",
    "utf-8": "UTF-8",
    "utf-16": "UTF-16 (Excel's 'Unicode text')",
    "shift_jis": "Shift-JIS (Japanese)",
}

_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "gbk": "GBK", "gb18030": "GB18030",
          "utf-16": "UTF-16", "utf-16-le": "UTF-16", "utf-16-be": "UTF-16"}


class SuspectEncodingError(DataError):
    """The file decodes, but not into believable text: it is most likely in another encoding.

    Attributes
    ----------
    judgement
        The :class:`EncodingJudgement` of the text as decoded.
    likely
        The encoding that reads the file as believable text, or ``None``.
    """

    def __init__(self, message: str, *, judgement: EncodingJudgement, likely: str | None) -> None:
        super().__init__(message)
        self.judgement = judgement
        self.likely = likely


@dataclass(frozen=True)
class EncodingJudgement:
    """How believable a decoded text is.

    Parameters
    ----------
    encoding
        The encoding judged.
    judged
        Non-ASCII characters looked at.
    common
        Of these, how many are common characters (or punctuation) of the encoding's script.
    replacement
        U+FFFD replacement characters (a damaged earlier conversion).
    sample
        The first few implausible characters.
    """

    encoding: str
    judged: int
    common: int
    replacement: int
    sample: str

    @property
    def share(self) -> float:
        """Share of common characters (1.0 when nothing was judged)."""
        return self.common / self.judged if self.judged else 1.0

    @property
    def plausible(self) -> bool:
        """True when too little was judged, or the common share reaches :data:`PLAUSIBLE_SHARE`."""
        return self.judged < MIN_JUDGED_CHARS or self.share >= PLAUSIBLE_SHARE


def _common_gb(c: str) -> bool:
    """GB2312 hanzi (rows 0xB0-0xF7) or its punctuation and full-width forms (rows 0xA1-0xA3)."""
    try:
        b = c.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(b) == 2 and (0xB0 <= b[0] <= 0xF7 or 0xA1 <= b[0] <= 0xA3)


def _common_big5(c: str) -> bool:
    """Big5 frequent hanzi (lead bytes 0xA4-0xC6) or its punctuation (0xA1-0xA3)."""
    try:
        b = c.encode("big5")
    except UnicodeEncodeError:
        return False
    return len(b) == 2 and 0xA1 <= b[0] <= 0xC6


def _not_damaged(c: str) -> bool:
    """Any character but private-use, surrogate and control ones (Unicode decodes are judged only for damage)."""
    return unicodedata.category(c) not in ("Co", "Cs", "Cc")


def _common_chinese(c: str) -> bool:
    return _common_gb(c) or _common_big5(c)


def _family(encoding: str, strict: bool = False):
    enc = codecs.lookup(encoding).name
    if enc in ("gbk", "gb18030", "gb2312"):
        return _common_gb
    if enc.startswith("big5"):
        return _common_big5
    return _common_chinese if strict else _not_damaged


def text_plausibility(text: str, encoding: str, *, strict: bool = False, limit: int = 200_000) -> EncodingJudgement:
    """Judge ``text`` decoded with ``encoding``: the share of its non-ASCII characters that are common.

    Parameters
    ----------
    text
        Decoded text (only the first ``limit`` characters are looked at).
    encoding
        The encoding that produced it; selects the script whose common characters count
        (GB2312 for the GB family, Big5 frequent hanzi for Big5); text from a Unicode encoding
        (which rarely decodes wrong bytes at all) is judged only for replacement and private-use characters.
    strict
        Judge text from a Unicode encoding by the common Chinese characters too (used when
        guessing which encoding a file is in: any even-length bytes decode as UTF-16).
    limit
        Characters looked at.

    Returns
    -------
    EncodingJudgement
    """
    common = _family(encoding, strict)
    judged = ok = bad_repl = 0
    sample: list[str] = []
    for c in text[:limit]:
        if c.isascii() or c in "\ufeff\u00a0\u3000":
            continue
        judged += 1
        if c == "\ufffd":
            bad_repl += 1
        if c != "\ufffd" and (common(c) or c in "°′″’‘“”·—…"):
            ok += 1
        elif len(sample) < 8 and c not in sample:
            sample.append(c)
    return EncodingJudgement(encoding=encoding, judged=judged, common=ok, replacement=bad_repl,
                             sample="".join(sample))


def _utf16(data: bytes) -> str | None:
    """``utf-16`` for a UTF-16 byte-order mark, ``utf-16-le``/``-be`` for unmarked UTF-16 text, else None."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    head = data[:4000]
    if len(head) >= 8 and head.count(0) * 4 >= len(head):
        odd, even = head[1::2].count(0), head[0::2].count(0)
        if odd > 3 * max(even, 1):
            return "utf-16-le"
        if even > 3 * max(odd, 1):
            return "utf-16-be"
    return None


def detect_encoding(data: bytes, *, path: str | Path = "<bytes>") -> str:
    """The encoding of ``data``: UTF-16 when marked so, else the first of :data:`ENCODINGS` that decodes it.

    A leading UTF-8 byte-order mark selects ``utf-8-sig`` (plain UTF-8 would keep
    the mark as part of the first column name).

    Raises
    ------
    DataError
        When no encoding decodes the file.
    """
    wide = _utf16(data)
    if wide is not None:
        return wide
    for enc in ENCODINGS:
        if enc == "utf-8" and data.startswith(codecs.BOM_UTF8):
            continue
        try:
            data.decode(enc, errors="strict")
        except UnicodeDecodeError:
            continue
        return enc
    raise DataError(
        f"{path}: cannot decode the file as UTF-8, UTF-8 with BOM, GBK, GB18030 or UTF-16; "
        "fix: open it in Excel or WPS and save as 'CSV UTF-8'"
    )


def _likely(data: bytes, used: str) -> tuple[str | None, str]:
    """The alternative encoding whose text is most believable (and a sample of it), if any is."""
    best: tuple[float, str | None, str] = (0.0, None, "")
    for enc in _ALTERNATIVES:
        if codecs.lookup(enc).name == codecs.lookup(used).name:
            continue
        try:
            text = data.decode(enc, errors="strict")
        except UnicodeDecodeError:
            continue
        j = text_plausibility(text, enc, strict=True)
        if j.judged >= MIN_JUDGED_CHARS and j.plausible and j.share > best[0]:
            best = (j.share, enc, text)
    enc, text = best[1], best[2]
    if enc is None:
        return None, ""
    cjk = [line for line in text.splitlines()[1:6] if not line.isascii()]
    return enc, (cjk[0] if cjk else "")[:60]


def _suspect_message(path: str | Path, judgement: EncodingJudgement, likely: str | None, sample: str) -> str:
    name = _NAMES.get(judgement.encoding, judgement.encoding)
    what = (f"only {judgement.common} of {judgement.judged} non-ASCII characters "
            f"({judgement.share:.0%}) are common Chinese characters or punctuation")
    if judgement.replacement:
        what += f", {judgement.replacement} are replacement characters (\ufffd)"
    head = (f"{path}: the text decoded as {name} does not look like Chinese names: {what} "
            f"(e.g. '{judgement.sample}'); ")
    if likely is None:
        return head + ("the encoding could not be determined; fix: open the file in the program that made it "
                       "and save it as 'CSV UTF-8', or set encoding = \"<codec>\" for this input in study.toml")
    return head + (f"it is most likely {_ALTERNATIVES[likely]}, which reads '{sample}'; fix: re-save the "
                   f"file as 'CSV UTF-8' (in Excel/WPS: Save As > CSV UTF-8, converting to simplified "
                   f"characters if needed), or set encoding = \"{likely}\" for this input in study.toml")


def decode_bytes(data: bytes, encoding: str = "auto", *, path: str | Path = "<bytes>") -> tuple[str, str]:
    """Decode a text file's bytes; with ``"auto"`` the encoding is detected and the text judged.

    Parameters
    ----------
    data
        The file's bytes.
    encoding
        ``"auto"`` or a Python codec name (used as given, not judged).
    path
        The file, for messages.

    Returns
    -------
    (text, encoding)
        The text without a byte-order mark, and the encoding used.

    Raises
    ------
    SuspectEncodingError
        With ``"auto"``: the text decodes but is not believable (:func:`text_plausibility`);
        the message names the likely encoding and the fix.
    DataError
        When the file cannot be decoded.
    """
    enc = detect_encoding(data, path=path) if encoding == "auto" else encoding
    try:
        text = data.decode(enc, errors="strict")
    except (UnicodeDecodeError, LookupError) as exc:
        raise DataError(
            f"{path}: cannot decode with encoding {encoding!r} ({exc}); "
            "fix: set encoding = \"auto\" for this input or save the file as 'CSV UTF-8'"
        ) from None
    if encoding == "auto":
        judgement = text_plausibility(text, enc)
        if not judgement.plausible:
            likely, sample = _likely(data, enc)
            raise SuspectEncodingError(_suspect_message(path, judgement, likely, sample),
                                       judgement=judgement, likely=likely)
    return text.removeprefix("\ufeff"), enc
