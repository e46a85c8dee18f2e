"""Text handling: decoding input bytes, script (Simplified/Traditional) and segmentation."""

from unspin.text.decode import decode_bytes, read_input
from unspin.text.script import Script, to_simplified
from unspin.text.segment import Token, tokenize

__all__ = ["Script", "Token", "decode_bytes", "read_input", "to_simplified", "tokenize"]
