import CMalloc

/// Process-wide allocator settings for long drains.
enum MemoryTuning {
  /// Makes glibc map large blocks on their own and give freed memory back at 128 KiB.
  ///
  /// Each drain worker allocates and frees ~1 MB request bodies on its own thread. By default
  /// glibc raises its mmap and trim thresholds after such frees, so every worker's arena keeps
  /// megabytes it no longer uses: at `--concurrency 4`, 65–66 MB peak RSS for 1,000,000 rows
  /// instead of about 60 MB, at the same speed (measured; docs/benchmarks.md).
  static func returnFreedMemoryPromptly() {
    cvebuster_return_freed_memory_above(128 * 1024)
  }
}
