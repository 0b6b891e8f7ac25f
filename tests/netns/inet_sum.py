# SPDX-License-Identifier: GPL-2.0-or-later
"""The Internet checksum (RFC 1071), shared by the netns tests' packet crafters."""
import struct


def csum16(data):
    """The one's-complement sum of data as 16-bit words, folded (not complemented)."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s
