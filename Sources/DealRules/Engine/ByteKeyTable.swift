import Glibc

/// A map from byte strings (JSON keys, choice values, catalog names) to small integers, looked
/// up straight from the input bytes: no `String` is made, nothing is allocated or retained.
///
/// The table is built once and never changes. Its keys live end to end in one block of memory
/// it owns; it is open-addressed with linear probing and keeps each key's hash, so a miss rarely
/// touches the key bytes at all.
final class ByteKeyTable: @unchecked Sendable {
    // @unchecked: the memory is written only in `init`; lookups only read.
    /// The table as plain data: what lookups read (`RuleSet.readTables` keeps these, so a deal
    /// read looks names up without retaining the table).
    let view: ByteKeyView

    init<S: Sequence>(_ list: S) where S.Element == (String, Int) {
        // The first of equal keys wins.
        var seen: Set<String> = []
        let unique = list.filter { seen.insert($0.0).inserted }
        var size = 8
        while size < unique.count * 3 { size <<= 1 }
        let slots = UnsafeMutableBufferPointer<Int32>.allocate(capacity: size)
        slots.initialize(repeating: 0)
        let entries = UnsafeMutableBufferPointer<ByteKeyView.Entry>.allocate(capacity: max(unique.count, 1))
        let total = unique.reduce(0) { $0 + $1.0.utf8.count }
        let keyBytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(total, 1))
        let mask = size - 1
        var offset = 0
        for (i, (key, value)) in unique.enumerated() {
            let utf8 = Array(key.utf8)
            _ = UnsafeMutableBufferPointer(rebasing: keyBytes[offset..<(offset + utf8.count)]).initialize(from: utf8)
            let h = utf8.withUnsafeBufferPointer { ByteKeyView.hash($0) }
            entries[i] = ByteKeyView.Entry(hash: h, length: Int32(utf8.count), start: Int32(offset), value: Int32(value))
            offset += utf8.count
            var s = Int(h) & mask
            while slots[s] != 0 { s = (s + 1) & mask }
            slots[s] = Int32(i + 1)
        }
        view = ByteKeyView(entries: UnsafeBufferPointer(entries), keyBytes: UnsafeBufferPointer(keyBytes),
                           slots: UnsafeBufferPointer(slots), mask: mask, count: unique.count)
    }

    deinit {
        view.entries.deallocate()
        view.keyBytes.deallocate()
        view.slots.deallocate()
    }

    func lookup(_ key: UnsafeBufferPointer<UInt8>) -> Int? { view.lookup(key) }

    func lookup(_ key: [UInt8]) -> Int? {
        key.withUnsafeBufferPointer { view.lookup($0) }
    }

    func guessed(_ guess: Int, in b: UnsafeBufferPointer<UInt8>, at: Int) -> (value: Int, length: Int)? {
        view.guessed(guess, in: b, at: at)
    }
}

/// A `ByteKeyTable`'s lookups, over memory the table owns: plain data, copied and passed
/// without reference counting. Valid while its table lives.
struct ByteKeyView: @unchecked Sendable {
    // @unchecked: it only reads memory that its table wrote once, in `init`.
    struct Entry {
        var hash: UInt32
        var length: Int32
        var start: Int32
        var value: Int32
    }

    fileprivate let entries: UnsafeBufferPointer<Entry>
    fileprivate let keyBytes: UnsafeBufferPointer<UInt8>
    /// Open addressing: slot → entry index + 1 (0 is empty).
    fileprivate let slots: UnsafeBufferPointer<Int32>
    fileprivate let mask: Int
    fileprivate let count: Int

    /// A hash of the key's length and its first and last eight bytes: constant time, whatever
    /// the key's length (the table's keys rarely share both ends).
    @inline(__always)
    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt32 {
        let n = key.count
        var a: UInt64 = 0, b: UInt64 = 0
        if n >= 8 {
            let raw = UnsafeRawPointer(key.baseAddress!)
            a = raw.loadUnaligned(as: UInt64.self)
            b = raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        } else if n >= 4 {
            let raw = UnsafeRawPointer(key.baseAddress!)
            a = UInt64(raw.loadUnaligned(as: UInt32.self)) << 32 | UInt64(raw.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self))
        } else {
            for k in 0..<n { a = a << 8 | UInt64(key[k]) }
        }
        var h = UInt64(n) &* 0x9E37_79B9_7F4A_7C15 ^ a
        h = (h ^ (h >> 29)) &* 0xBF58_476D_1CE4_E5B9 ^ b
        h = (h ^ (h >> 32)) &* 0x94D0_49BB_1331_11EB
        return UInt32(truncatingIfNeeded: h ^ (h >> 29))
    }

    @inline(__always)
    func lookup(_ key: UnsafeBufferPointer<UInt8>) -> Int? {
        let h = Self.hash(key)
        var s = Int(h) & mask
        while true {
            let e = Int(slots[s]) - 1
            if e < 0 { return nil }
            let entry = entries[e]
            if entry.hash == h, Int(entry.length) == key.count, equal(entry, key) { return Int(entry.value) }
            s = (s + 1) & mask
        }
    }

    /// Whether the text at `at` is the `guess`th key (in the order the table was made in) and
    /// then a `"`: its value and length if so. Where keys usually come in a known order, a
    /// right guess reads the key once, with no scan for its end and no hash. (For tables of
    /// identifiers: a key with a `"` or `\` in it would be compared with text that is not its.)
    @inline(__always)
    func guessed(_ guess: Int, in b: UnsafeBufferPointer<UInt8>, at: Int) -> (value: Int, length: Int)? {
        guard guess < count else { return nil }
        let entry = entries[guess]
        let n = Int(entry.length)
        guard at + n < b.count, b[at + n] == UInt8(ascii: "\""),
              equal(entry, UnsafeBufferPointer(rebasing: b[at..<(at + n)])) else { return nil }
        return (Int(entry.value), n)
    }

    /// Whether `entry`'s key is `key`, of the same length. Keys of up to 16 bytes (nearly all)
    /// are compared as two overlapping words, without calling `memcmp`.
    @inline(__always)
    private func equal(_ entry: Entry, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = key.baseAddress else { return true }
        let n = key.count
        let mine = UnsafeRawPointer(keyBytes.baseAddress! + Int(entry.start)), theirs = UnsafeRawPointer(base)
        if n >= 8, n <= 16 {
            return mine.loadUnaligned(as: UInt64.self) == theirs.loadUnaligned(as: UInt64.self)
                && mine.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self) == theirs.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        }
        if n >= 4, n < 8 {
            return mine.loadUnaligned(as: UInt32.self) == theirs.loadUnaligned(as: UInt32.self)
                && mine.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self) == theirs.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
        }
        return memcmp(mine, theirs, n) == 0
    }
}
