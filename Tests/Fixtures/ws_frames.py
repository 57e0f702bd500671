"""RFC 6455 frames for the test fixtures (standard library only): websocket.py and agent_probe.py."""
import os
import struct


def read_exact(sock, count):
    """Reads exactly `count` bytes (TCP may deliver a frame in pieces); EOFError when the peer closes first."""
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def read_frame(sock):
    """One frame as (opcode, payload), the payload unmasked when the sender masked it."""
    head = read_exact(sock, 2)
    opcode, length = head[0] & 0x0F, head[1] & 0x7F
    if length == 126:
        length = struct.unpack(">H", read_exact(sock, 2))[0]
    elif length == 127:
        length = struct.unpack(">Q", read_exact(sock, 8))[0]
    mask = read_exact(sock, 4) if head[1] & 0x80 else None
    data = read_exact(sock, length) if length else b""
    return opcode, apply_mask(data, mask) if mask else data


def frame(payload, opcode=1, masked=True):
    """A final frame carrying `payload` (text is sent as UTF-8); clients mask, servers do not."""
    if isinstance(payload, str):
        payload = payload.encode()
    length = len(payload)
    bit = 0x80 if masked else 0
    header = bytes([0x80 | opcode])
    if length < 126:
        header += bytes([bit | length])
    elif length < 65536:
        header += bytes([bit | 126]) + struct.pack(">H", length)
    else:
        header += bytes([bit | 127]) + struct.pack(">Q", length)
    if not masked:
        return header + payload
    mask = os.urandom(4)
    return header + mask + apply_mask(payload, mask)


def apply_mask(payload, mask):
    """XOR with the repeating 4-byte mask, done on one big integer so large payloads stay fast."""
    if not payload:
        return payload
    whole = (mask * (len(payload) // 4 + 1))[: len(payload)]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(whole, "big")).to_bytes(len(payload), "big")
