/// A map from byte strings (JSON keys, choice values, catalog names) to small integers, looked
/// up straight from the input bytes: no `String` is made, nothing is allocated.
///
/// The keys live end to end in one byte array; the table is open-addressed with linear probing
/// and stores each key's hash, so a miss rarely touches the key bytes at all.
struct ByteKeyTable: Sendable {
    private var bytes: [UInt8] = []
    /// Per entry: where its key starts in `bytes`, its length, its hash and its value.
    private var starts: [Int32] = []
    private var lengths: [Int32] = []
    private var hashes: [UInt32] = []
    private var values: [Int32] = []
    /// Open addressing: slot → entry index + 1 (0 is empty).
    private var slots: [Int32]
    private let mask: Int

    init<S: Sequence>(_ entries: S) where S.Element == (String, Int) {
        let list = Array(entries)
        var size = 8
        while size < list.count * 3 { size <<= 1 }
        slots = Array(repeating: 0, count: size)
        mask = size - 1
        for (key, value) in list {
            let utf8 = Array(key.utf8)
            let known = utf8.withUnsafeBufferPointer { lookup($0) }
            if known != nil { continue }  // the first wins
            let h = utf8.withUnsafeBufferPointer { Self.hash($0) }
            starts.append(Int32(bytes.count))
            lengths.append(Int32(utf8.count))
            bytes += utf8
            hashes.append(h)
            values.append(Int32(value))
            var s = Int(h) & mask
            while slots[s] != 0 { s = (s + 1) & mask }
            slots[s] = Int32(values.count)
        }
    }

    @inline(__always)
    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var h: UInt32 = 2_166_136_261
        for b in key { h = (h ^ UInt32(b)) &* 16_777_619 }
        return h
    }

    func lookup(_ key: UnsafeBufferPointer<UInt8>) -> Int? {
        let h = Self.hash(key)
        return slots.withUnsafeBufferPointer { slots -> Int? in
            var s = Int(h) & mask
            while true {
                let e = Int(slots[s]) - 1
                if e < 0 { return nil }
                if hashes[e] == h, Int(lengths[e]) == key.count, equal(e, key) { return Int(values[e]) }
                s = (s + 1) & mask
            }
        }
    }

    func lookup(_ key: [UInt8]) -> Int? {
        key.withUnsafeBufferPointer { lookup($0) }
    }

    private func equal(_ e: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.withUnsafeBufferPointer { all in
            let start = Int(starts[e])
            for k in 0..<key.count where all[start + k] != key[k] { return false }
            return true
        }
    }
}
