import StatelessCore

/// A generator of its own for each session, drawn from the race's: sessions must not
/// share transaction ids or jitter, and a scripted generator in a test still decides all.
package struct SplitRandom: RandomNumberGenerator {
    package var state: UInt64

    package init(_ parent: inout any RandomNumberGenerator) { state = parent.next() }

    package init(state: UInt64) { self.state = state }

    /// SplitMix64.
    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
