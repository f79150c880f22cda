"""Reads a Briefer database's stored events from Python (the benchmarks' checks): activity events are packed in blocks
of `event_blocks` (Sources/BrieferCore/Storage/EventBlock.swift, format 2: LZ4), calls are rows of `events`."""

KINDS = ["track", "page", "screen", "identify", "group", "alias"]


def _varint(data, i):
    value, shift = 0, 0
    while True:
        b = data[i]
        i += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, i
        shift += 7


def _lz4_length(src, i, length):
    """A length of an LZ4 sequence: its 4 bits in the token, then, when they are all 15, bytes added until one under 255."""
    if length == 15:
        while True:
            b = src[i]
            i += 1
            length += b
            if b != 255:
                break
    return length, i


def lz4_block(src, size):
    """Decompresses one LZ4 block (the format liblz4's LZ4_compress_default writes) of `size` bytes."""
    out = bytearray()
    i = 0
    while i < len(src):
        token = src[i]
        i += 1
        literals, i = _lz4_length(src, i, token >> 4)
        out += src[i:i + literals]
        i += literals
        if i >= len(src):
            break
        offset = src[i] | src[i + 1] << 8
        i += 2
        length, i = _lz4_length(src, i, token & 15)
        length += 4
        start = len(out) - offset
        for k in range(length):
            out.append(out[start + k])
    if len(out) != size:
        raise ValueError("an event block does not decompress")
    return bytes(out)


def block_events(data):
    """The events of one block, as dicts (kind, user_id row id, anonymous_id, name_id, ts, group_hint, properties,
    traits, source)."""
    if data[0] != 2:
        raise ValueError(f"unknown event block format {data[0]}")
    count, i = _varint(data, 1)
    i += 16 * count
    size, i = _varint(data, i)          # the rest's length
    packed, i = _varint(data, i)
    rest = lz4_block(data[i:i + packed], size)
    j, ts, events = 0, 0, []
    for _ in range(count):
        kind = KINDS[rest[j]]
        user, j = _varint(rest, j + 1)
        name, j = _varint(rest, j)
        delta, j = _varint(rest, j)
        ts += (delta >> 1) ^ -(delta & 1)
        texts = []
        for _ in range(5):
            n, j = _varint(rest, j)
            texts.append(None if n == 0 else rest[j:j + n - 1].decode())
            j += max(n - 1, 0)
        anonymous_id, group_hint, properties, traits, source = texts
        events.append({"kind": kind, "user_id": user - 1 if user else None, "anonymous_id": anonymous_id,
                       "name_id": name or None, "ts": ts, "group_hint": group_hint, "properties": properties,
                       "traits": traits, "source": source})
    return events


def all_events(con):
    """Every stored event of an open sqlite3 connection: the calls' rows, then the blocks' events."""
    con.row_factory = None
    columns = ["kind", "user_id", "anonymous_id", "name_id", "ts", "group_hint", "properties", "traits", "source"]
    for row in con.execute(f"SELECT {', '.join(columns)} FROM events WHERE kind NOT IN ('forgotten', 'compacted')"):
        yield dict(zip(columns, row))
    if con.execute("SELECT 1 FROM sqlite_master WHERE name = 'event_blocks'").fetchone():
        for (data,) in con.execute("SELECT data FROM event_blocks ORDER BY id"):
            yield from block_events(data)


def event_count(con):
    """How many events are stored, without unpacking the blocks."""
    calls = con.execute("SELECT count(*) FROM events WHERE kind NOT IN ('forgotten', 'compacted')").fetchone()[0]
    if not con.execute("SELECT 1 FROM sqlite_master WHERE name = 'event_blocks'").fetchone():
        return calls
    return calls + con.execute("SELECT coalesce(sum(events), 0) FROM event_blocks").fetchone()[0]
