"""A deliberately small RTMP client for the bad-input tests: it speaks just enough (plain
handshake, type-0 chunks, a few AMF0 types) to reach the states a misbehaving peer would."""
import os
import socket
import struct


def amf_string(s):
    b = s.encode()
    return b"\x02" + struct.pack(">H", len(b)) + b


def amf_number(n):
    return b"\x00" + struct.pack(">d", n)


def amf_null():
    return b"\x05"


def amf_object(props):
    out = b"\x03"
    for k, v in props.items():
        kb = k.encode()
        out += struct.pack(">H", len(kb)) + kb
        out += amf_string(v) if isinstance(v, str) else amf_number(v)
    return out + b"\x00\x00\x09"


def chunk(csid, msg_type, payload, timestamp=0, stream_id=0, chunk_size=128):
    """A type-0 chunk and type-3 continuations."""
    out = bytes([csid & 0x3F]) + timestamp.to_bytes(3, "big") + len(payload).to_bytes(3, "big")
    out += bytes([msg_type]) + struct.pack("<I", stream_id)
    for i in range(0, max(len(payload), 1), chunk_size):
        if i:
            out += bytes([0xC0 | (csid & 0x3F)])
        out += payload[i:i + chunk_size]
    return out


class RtmpClient:
    def __init__(self, port, timeout=5):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)

    def handshake(self):
        c1 = bytes(8) + os.urandom(1528)
        self.sock.sendall(b"\x03" + c1)
        s = self.recv_exact(1 + 1536 + 1536)
        self.sock.sendall(s[1:1537])  # C2 echoes S1

    def recv_exact(self, n):
        data = b""
        while len(data) < n:
            part = self.sock.recv(n - len(data))
            if not part:
                raise ConnectionError("closed by server")
            data += part
        return data

    def command(self, name, txn, *values, stream_id=0):
        payload = amf_string(name) + amf_number(txn) + b"".join(values)
        self.sock.sendall(chunk(3, 20, payload, stream_id=stream_id))

    def connect(self, app="live"):
        self.command("connect", 1, amf_object({"app": app, "tcUrl": f"rtmp://127.0.0.1/{app}"}))

    def publish(self, name):
        self.command("createStream", 2, amf_null())
        self.command("publish", 3, amf_null(), amf_string(name), amf_string("live"), stream_id=1)

    def play(self, name):
        self.command("createStream", 2, amf_null())
        self.command("play", 3, amf_null(), amf_string(name), stream_id=1)

    def closed_within(self, seconds):
        """True if the server closes the connection within `seconds` (data read is discarded)."""
        self.sock.settimeout(seconds)
        try:
            while True:
                if not self.sock.recv(65536):
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False

    def close(self):
        self.sock.close()
