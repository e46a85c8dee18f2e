"""Text handling: decoding input bytes, web pages, script (Simplified/Traditional) and segmentation."""

from unspin.text.decode import clean_text, decode_bytes, read_input
from unspin.text.page import body_spans, html_to_text, looks_like_html
from unspin.text.script import Script, to_simplified
from unspin.text.segment import Token, tokenize

__all__ = [
    "Script", "Token", "body_spans", "clean_text", "decode_bytes", "html_to_text", "looks_like_html",
    "read_input", "to_simplified", "tokenize",
]
