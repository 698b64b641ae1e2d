import Glibc

/// The C allocator's settings for a process that loads large rule sets.
public enum Allocator {
    /// Keeps memory that was freed for the next allocations instead of handing it back to the
    /// system at once.
    ///
    /// A large rule set is parsed and checked on several threads. Each thread allocates from its
    /// own glibc arena. By default an arena other than the main one gives its freed top back to
    /// the system as soon as it is larger than 128 KiB, and allocations of 128 KiB or more are
    /// mapped and unmapped one by one. Then the next load takes every page again, through a page
    /// fault. Loading 10,000 rules eleven times in one process took 36,000 page faults with the
    /// defaults and 7,500 with these settings.
    ///
    /// The new limits are those glibc reaches by itself in the main arena: up to 64 MiB of freed
    /// memory is kept, and blocks under 32 MiB come from the arenas.
    ///
    /// The heap also grows 4 MiB at a time rather than 128 KiB (untouched memory costs nothing
    /// until it is written): a load of 10,000 rules asked the system for more 7 times, not 63.
    ///
    /// Small freed blocks also go straight back to the arena's bins, not first to its "fast
    /// bins": glibc merges those all at once when a large block is next asked for, which was a
    /// pause of about 2 ms inside each load of 10,000 rules (4% of it; deciding is unchanged).
    ///
    /// `RuleSet.load` calls it itself, once, the first time it loads a large rule set on several
    /// threads; a process that wants the settings from its start (the `dealrules` command, a
    /// benchmark measured as the command runs) calls it early in `main`. The settings are the
    /// process's: a program that tunes glibc's allocator itself may set them back after. It
    /// does nothing where the C library is not glibc. Returns whether the allocator took them.
    @discardableResult
    public static func keepFreedMemory() -> Bool {
        // `mallopt` is in <malloc.h>, which the Glibc module does not bring in.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return false }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let trimThreshold: Int32 = -1, topPad: Int32 = -2, mmapThreshold: Int32 = -3, maxFast: Int32 = 1  // M_TRIM_THRESHOLD, …, M_MXFAST
        return mallopt(trimThreshold, 64 << 20) == 1 && mallopt(mmapThreshold, 32 << 20) == 1 && mallopt(maxFast, 0) == 1
            && mallopt(topPad, 4 << 20) == 1
    }

    /// Gives freed memory back to the system (a long-running service: `dealrules serve`, whose
    /// memory must come back down after a burst): the heap's free top beyond 1 MiB, and blocks
    /// of 1 MiB or more mapped on their own. Below that, blocks are reused: a batch's buffers of
    /// a few hundred KiB, mapped and unmapped each time under glibc's default of 128 KiB, cost a
    /// page fault every 4 KiB. Returns whether the allocator took the settings.
    @discardableResult
    package static func returnFreedMemory() -> Bool {
        _ = keptOnce  // so that no later load sets `keepFreedMemory` again
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return false }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let trimThreshold: Int32 = -1, topPad: Int32 = -2, mmapThreshold: Int32 = -3, maxFast: Int32 = 1  // M_TRIM_THRESHOLD, …, M_MXFAST
        return mallopt(trimThreshold, 1 << 20) == 1 && mallopt(mmapThreshold, 1 << 20) == 1 && mallopt(maxFast, 128) == 1
            && mallopt(topPad, 128 << 10) == 1
    }

    /// Grows the calling thread's glibc arena by 16 MiB at once, the memory staying untouched
    /// (no page is taken until it is written). An arena other than the main one otherwise
    /// grows by what each allocation lacks, with an `mprotect` call each time: 1,600 calls in
    /// a load of 10,000 rules, each taking the process's memory-map lock, which the other
    /// thread's page faults then wait for. Only while `keepFreedMemory` holds: then the freed
    /// block stays in the arena; otherwise the allocator maps and unmaps it, which costs little.
    static func growThreadArena() {
        // Handing the block to a function found at run time keeps the allocation (the
        // compiler removes a `free(malloc(n))`). `malloc_usable_size` is in <malloc.h>.
        typealias UsableSize = @convention(c) (UnsafeMutableRawPointer?) -> Int
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_usable_size") else { return }
        let block = malloc(16 << 20)
        _ = unsafeBitCast(symbol, to: UsableSize.self)(block)
        free(block)
    }

    /// Sets `keepFreedMemory` the first time a load is about to use several threads.
    static func beforeLoadingOnThreads() { _ = keptOnce }

    private static let keptOnce: Bool = keepFreedMemory()
}
