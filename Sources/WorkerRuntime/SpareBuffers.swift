/// The buffers of a finished batch, kept for a later batch to fill in place. Arrays grown from
/// empty in every batch copy their elements several times into fresh memory: in Transform and
/// the sink that was a large share of their page faults and memmove (`docs/throughput.md`).
///
/// Only a saving, never a condition for correctness: the stage empties what it takes with
/// `removeAll(keepingCapacity: true)`, which allocates anew if something else still holds the
/// arrays. The consumer lets go of a batch once it is committed, so they are normally unique.
/// Used on the stage's own thread only.
public final class SpareBuffers<Buffers> {
    private var kept: Buffers?

    public init() {}

    /// Keeps `buffers` (replacing what was kept).
    public func keep(_ buffers: Buffers) { kept = buffers }

    /// What was kept, if anything; nothing is kept afterwards.
    public func take() -> Buffers? {
        let out = kept
        kept = nil
        return out
    }
}
