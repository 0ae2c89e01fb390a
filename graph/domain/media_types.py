"""What an attachment's bytes are, told from the bytes themselves (not the file name).

The declared media type must equal the one the content shows; content that is none of
the accepted types is refused.
"""

import io
import zipfile

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
TIFF = "image/tiff"
TEXT = "text/plain"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"

ACCEPTED = (PDF, PNG, JPEG, TIFF, TEXT, DOCX, ODT)
UNDECLARED = ("", "application/octet-stream")


def sniff(content: bytes) -> str | None:
    """The accepted media type the content is, or ``None``."""
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith((b"II*\x00", b"MM\x00*")):
        return TIFF
    if content.startswith(b"PK\x03\x04"):
        return _office(content)
    if _is_text(content):
        return TEXT
    return None


def normalise(declared: str | None) -> str:
    """The bare media type: lower case, without parameters such as ``charset``."""
    return (declared or "").split(";", 1)[0].strip().lower()


def _office(content: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            if "word/document.xml" in names:
                return DOCX
            if "mimetype" in names and archive.read("mimetype").strip() == ODT.encode():
                return ODT
    except (zipfile.BadZipFile, KeyError, OSError):
        return None
    return None


def _is_text(content: bytes) -> bool:
    if not content or b"\x00" in content:
        return False
    try:
        text = content.decode("utf-8").removeprefix("\ufeff")  # a BOM, as Notepad writes
    except UnicodeDecodeError:
        return False
    return all(ch.isprintable() or ch in "\r\n\t\f" for ch in text)
