// (gc), (room), the GC figures `time` reads, `-e`'s error count, and heap exhaustion as a
// repeatable Lisp error: a session that runs out of heap twice keeps working.
using LispVm.Gc;
using Xunit;

namespace LispVm.Tests.Eval;

public class RoomGcTests
{
    [Fact]
    public void Room_prints_frames_collections_and_times()
    {
        using var h = new EvalHost();
        Assert.Equal("NIL", h.Eval("(gc)"));
        string room = h.Eval("(room)");
        Assert.Matches(@"^Frames: [\d,]+ committed to the heap \(4,096 bytes each\)\n", room);
        Assert.Matches(@"\nCollections: [\d,]+ minor, [1-9][\d,]* full; GC time \d+\.\d{3} s, max pause \d+\.\d{3} s$", room);
        Assert.Contains("Allocated: ", room);
    }

    [Fact]
    public void Room_shows_the_balloon_line_only_where_there_is_a_balloon()
    {
        using var h = new EvalHost();
        Assert.DoesNotContain("Balloon", h.Eval("(room)"));
        Assert.Equal("0", h.Eval("(svref (%heap-stats) 12)"));
        h.Host.Platform.Balloon = new long[] { 49152, 12288, 40960, 0 };
        string room = h.Eval("(room)");
        Assert.EndsWith("\nBalloon: target 49,152 KiB; the domain owns 12,288 frames; 40,960 returned to Xen, 0 populated so far", room);
        Assert.StartsWith("Frames: ", room);      // the Frames line stays
    }

    [Fact]
    public void Gc_figures_move_and_time_reports_them()
    {
        using var h = new EvalHost();
        Assert.Equal("T", h.Eval("(let ((a (%gc-bytes-allocated))) (make-list 1000) (>= (- (%gc-bytes-allocated) a) 16000))"));
        Assert.Equal("T", h.Eval("(let ((n (%gc-count)) (t0 (%gc-run-time))) (gc) (list (> (%gc-count) n) (>= (%gc-run-time) t0)))").Replace("(T T)", "T"));
        string t = h.Eval("(time (progn (dotimes (i 20) (make-list 100000)) 7))");
        Assert.Matches(@"[1-9][\d,]* bytes consed", t);
        Assert.EndsWith("7", t);
    }

    [Fact]
    public void Gc_stats_is_a_plist_with_counts_pauses_and_sizes()
    {
        using var h = new EvalHost();
        h.Eval("(gc-stats-reset)");
        Assert.Equal("(0 0)", h.Eval("(let ((s (gc-stats))) (list (getf s :pauses) (getf s :p99-pause-us)))"));
        h.Eval("(dotimes (i 30) (make-list 200000))");
        h.Eval("(gc) (gc)");
        string r = h.Eval("(let ((s (gc-stats))) (list (>= (getf s :pauses) 3) (>= (getf s :full-pauses) 2) " +
            "(= (getf s :gc-count) (+ (getf s :minor) (getf s :full))) " +
            "(<= (getf s :p50-pause-us) (getf s :p99-pause-us) (getf s :max-pause-us)) " +
            "(> (getf s :max-pause-us) 0) (> (getf s :bytes-allocated) 96000000) " +
            "(> (getf s :committed-bytes) (getf s :live-bytes) 0) (> (getf s :limit-bytes) 0) " +
            "(= (getf s :pauses) (+ (getf s :minor-pauses) (getf s :full-pauses))) " +
            "(getf s :balloon-target-kib)))");
        Assert.Equal("(T T T T T T T T T NIL)", r);
        h.Host.Platform.Balloon = new long[] { 49152, 12288, 40960, 7 };
        Assert.Equal("(49152 40960 7)", h.Eval("(let ((s (gc-stats))) (list (getf s :balloon-target-kib) (getf s :frames-returned) (getf s :frames-populated)))"));
    }

    [Fact]
    public void Errors_are_counted_for_dash_e()
    {
        using var h = new EvalHost();
        h.Eval("(+ 1 2)");
        Assert.Equal(0, h.Host.Repl.Errors);
        h.Eval("(car 1)");
        Assert.Equal(1, h.Host.Repl.Errors);
        h.Eval("(handler-case (car 1) (error () 'caught))");
        Assert.Equal(1, h.Host.Repl.Errors);
    }

    [Fact]
    public void Heap_exhaustion_twice_in_one_session_is_an_error_each_time()
    {
        using var h = new EvalHost(new HeapOptions { LimitBytes = 48UL << 20, NurseryBytes = 4UL << 20, ReserveBytes = 2UL << 20 });
        for (int round = 0; round < 2; round++)
        {
            string o = h.Eval("(defparameter *hog* (make-list 100000000))");
            Assert.Contains(";; Error: Heap exhausted", o);
            Assert.Equal("NIL", h.Eval("(setq *hog* nil)"));
            h.Eval("(gc)");
            Assert.Equal("3", h.Eval("(+ 1 2)"));
        }
        Assert.Equal("CAUGHT", h.Eval("(handler-case (make-list 100000000) (storage-condition () 'caught))"));
        // One object larger than what is left (and than the reserve): a condition, not a panic.
        Assert.Equal("CAUGHT", h.Eval("(handler-case (make-array 10000000) (storage-condition () 'caught))"));
        Assert.Equal("CAUGHT", h.Eval("(handler-case (make-string 100000000) (storage-condition () 'caught))"));
        Assert.Equal("CAUGHT", h.Eval("(handler-case (make-array 100000000 :element-type 'character) (storage-condition () 'caught))"));
        Assert.Equal("1000000", h.Eval("(length (make-array 1000000 :element-type 'bit))"));   // 125 KB: fits
        Assert.Equal("3000000", h.Eval("(length (make-string 3000000))"));                      // 3 MB: fits
        // storage-condition is not an error: ignore-errors must not swallow it.
        Assert.Contains(";; Error: Heap exhausted", h.Eval("(ignore-errors (length (make-list 100000000)))"));
        Assert.Equal("3", h.Eval("(+ 1 2)"));
    }
}
