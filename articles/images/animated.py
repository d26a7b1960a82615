"""GIF and animated WebP: stripped by rewriting their container, never re-encoded.

Re-encoding an animation with Pillow decodes and keeps every frame in memory and re-quantises
GIF colours, so a small file of many large frames costs a worker hundreds of megabytes and the
result differs from the upload. Both formats are plain sequences of blocks, though: copying
the blocks that draw the picture and dropping the rest removes every place metadata lives
(comments, XMP, ICC and EXIF blocks, unknown chunks, bytes after the end) in one pass over the
bytes, keeps every frame and its timing exactly, and never decodes a pixel.

Contract: `strip_gif(data)` and `strip_webp(data)` return `(stripped bytes, frame count)` and
raise `MalformedImage` for a file whose structure is broken or truncated. Stripping a stripped
file returns it unchanged.
"""

import struct


class MalformedImage(ValueError):
    """The container is broken or cut short."""


# --- GIF (https://www.w3.org/Graphics/GIF/spec-gif89a.txt) -----------------------------------

_IMAGE, _EXTENSION, _TRAILER = 0x2C, 0x21, 0x3B
_GRAPHIC_CONTROL, _APPLICATION = 0xF9, 0xFF
# The one application block a browser reads: the loop count (sub-block id 1, then 2 bytes).
_LOOP = b"\x0bNETSCAPE2.0\x03\x01"


def _colour_table_size(packed: int) -> int:
    return 3 << ((packed & 7) + 1) if packed & 0x80 else 0


def _after_sub_blocks(data: bytes, pos: int) -> int:
    """Where the sub-blocks starting at `pos` end (after their zero-length terminator)."""
    while True:
        size = data[pos]
        pos += 1 + size
        if size == 0:
            return pos


def strip_gif(data: bytes) -> tuple[bytes, int]:
    """Keep the header, colour tables, images, their timing and the loop count; drop the rest."""
    if data[:6] not in (b"GIF87a", b"GIF89a"):
        raise MalformedImage("not a GIF")
    try:
        pos = 13 + _colour_table_size(data[10])
        out = [data[:pos]]
        frames = 0
        timing = b""  # a graphic control block applies to the picture that follows it
        # A missing trailer is forgiven, as browsers do; a block cut short is not.
        while pos < len(data) and (block := data[pos]) != _TRAILER:
            if block == _IMAGE:
                start = pos
                pos += 10 + _colour_table_size(data[pos + 9]) + 1  # descriptor, table, LZW size
                pos = _after_sub_blocks(data, pos)
                if pos > len(data):
                    raise MalformedImage("image data cut short")
                out += [timing, data[start:pos]]
                timing, frames = b"", frames + 1
            elif block == _EXTENSION:
                label, body = data[pos + 1], pos + 2
                pos = _after_sub_blocks(data, body)
                if label == _GRAPHIC_CONTROL and data[body] == 4:
                    timing = b"!\xf9\x04" + data[body + 1 : body + 5] + b"\0"
                elif label == _APPLICATION and data[body : body + 14] == _LOOP:
                    out.append(b"!\xff" + _LOOP + data[body + 14 : body + 16] + b"\0")
                # Comments, plain text, XMP, ICC and other application blocks are not copied.
                # (Browsers draw no plain text and give its timing to the next image, so
                # that timing block is kept for the image.)
            else:
                raise MalformedImage(f"unknown GIF block {block:#x}")
    except IndexError as exc:
        raise MalformedImage("GIF cut short") from exc
    if not frames:
        raise MalformedImage("GIF without a picture")
    out.append(b";")  # and nothing that followed the trailer
    return b"".join(out), frames


# --- WebP (https://developers.google.com/speed/webp/docs/riff_container) ----------------------

# Chunks that draw the picture; ICCP, EXIF, XMP and unknown chunks are dropped.
_PICTURE_CHUNKS = {b"VP8 ", b"VP8L", b"ALPH"}
# VP8X flags announcing the dropped chunks: ICC profile, EXIF, XMP.
_METADATA_FLAGS = 0x20 | 0x08 | 0x04


def webp_chunks(data: bytes):
    """(fourcc, payload) for each chunk of a RIFF body, checking that none is cut short."""
    pos = 0
    while pos < len(data):
        if pos + 8 > len(data):
            raise MalformedImage("WebP chunk header cut short")
        fourcc, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        payload = data[pos + 8 : pos + 8 + size]
        if len(payload) != size:
            raise MalformedImage("WebP chunk cut short")
        yield fourcc, payload
        pos += 8 + size + (size & 1)  # chunks are padded to an even length


def _chunk(fourcc: bytes, payload: bytes) -> bytes:
    return fourcc + struct.pack("<I", len(payload)) + payload + b"\0" * (len(payload) & 1)


def webp_body(data: bytes) -> bytes:
    """The chunks of a WebP file, without its RIFF header and anything after the RIFF size."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise MalformedImage("not a WebP")
    return data[12 : 8 + struct.unpack("<I", data[4:8])[0]]


def strip_webp(data: bytes) -> tuple[bytes, int]:
    """Keep the canvas, animation and picture chunks; drop ICC, EXIF, XMP and unknown ones."""
    out, frames = [], 0
    for fourcc, payload in webp_chunks(webp_body(data)):
        if fourcc == b"VP8X" and len(payload) == 10:
            out.append(_chunk(fourcc, bytes([payload[0] & ~_METADATA_FLAGS]) + payload[1:]))
        elif fourcc == b"ANIM":
            out.append(_chunk(fourcc, payload[:6]))  # background colour and loop count
        elif fourcc == b"ANMF":
            # A frame: its 16-byte header (position, size, duration, blending), then its own
            # picture chunks, which may be followed by unknown ones: only the former are kept.
            inner = [_chunk(f, p) for f, p in webp_chunks(payload[16:]) if f in _PICTURE_CHUNKS]
            out.append(_chunk(fourcc, payload[:16] + b"".join(inner)))
            frames += 1
        elif fourcc in _PICTURE_CHUNKS:
            out.append(_chunk(fourcc, payload))
            frames = max(frames, 1)
    body = b"WEBP" + b"".join(out)
    return b"RIFF" + struct.pack("<I", len(body)) + body, frames
