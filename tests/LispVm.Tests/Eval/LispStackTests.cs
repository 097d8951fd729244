// Why: issue 19. The Lisp stacks are reserved ranges committed on demand (LispThread), so
// recursion depth is bounded by memory: a 1,000,000-deep non-tail recursion runs with the
// sizes of a 256 MiB guest; when the reservation is used up or the frames run out the result
// is a storage-condition a handler catches, and the stack works again afterwards. A minor
// collection scans each stack only above its watermark, so its work does not grow with a
// 500,000-deep stack (counted in root slots visited: clock-free, so robust to noise).
using System.Text.RegularExpressions;
using LispVm.Eval;
using LispVm.Gc;
using Xunit;

namespace LispVm.Tests.Eval;

public class LispStackTests
{
    const ulong MiB = 1UL << 20;
    const string F = "(defun f (n) (if (= n 0) 0 (+ 1 (f (1- n)))))";
    const string Catch = "(defmacro try (x) `(handler-case ,x (storage-condition (c) (list 'caught (princ-to-string c)))))";

    static long[] Stats(EvalHost h)
    {
        string v = h.Eval("(cl::%stack-stats)");
        return Regex.Matches(v, "\\d+").Select(m => long.Parse(m.Value)).ToArray();
    }

    [Fact]
    public void Million_deep_recursion_runs_with_a_256_MiB_guests_sizes()
    {
        using var h = new EvalHost(new HeapOptions { LimitBytes = 200 * MiB }, sizes: VmSizes.ForMemory(256 * MiB));
        h.Eval(F);
        long[] before = Stats(h);
        // Reserved for 4M value slots and 2M frames; 16K slots and 2048 frames committed at start.
        Assert.Equal(4L << 20, before[0]);
        Assert.Equal(2L << 20, before[2]);
        Assert.InRange(before[1], 16384, 65536);
        Assert.InRange(before[3], 2048, 8192);
        string deep = h.Eval("(list (f 1000000) (cl::%stack-stats))");
        Assert.StartsWith("(1000000 ", deep);
        long[] after = Regex.Matches(deep, "\\d+").Select(m => long.Parse(m.Value)).Skip(1).ToArray();
        Assert.True(after[3] > 1000000, "frames committed: " + after[3]);
        Assert.True(after[3] <= before[2]);
        // Between top-level forms the stacks give the frames back.
        long[] trimmed = Stats(h);
        Assert.Equal(before[3], trimmed[3]);
        Assert.True(trimmed[4] < 1000, "pages still committed: " + trimmed[4]);
        Assert.Equal("42", h.Eval("(+ 40 2)"));
    }

    [Fact]
    public void Used_up_reservation_is_a_storage_condition_and_the_stack_works_again()
    {
        // A 16 MiB guest's sizes: 256K value slots, 128K frames reserved.
        using var h = new EvalHost(new HeapOptions { LimitBytes = 64 * MiB }, sizes: VmSizes.ForMemory(16 * MiB));
        h.Eval(F); h.Eval(Catch);
        Assert.Equal("(CAUGHT \"Stack exhausted.\")", h.Eval("(try (f 10000000))"));
        Assert.Equal("100000", h.Eval("(f 100000)"));
        Assert.Equal("(CAUGHT \"Stack exhausted.\")", h.Eval("(try (f 10000000))"));
        // Uncaught: the REPL reports it and goes on.
        Assert.Contains("Stack exhausted.", h.Eval("(f 10000000)"));
        Assert.Equal("100000", h.Eval("(f 100000)"));
        // Bindings and catch entries too (their own reservations).
        h.Eval("(defvar *d* 0) (defun fb (n) (if (= n 0) 0 (let ((*d* n)) (+ 1 (fb (1- n))))))");
        Assert.Equal("(CAUGHT \"Stack exhausted.\")", h.Eval("(try (fb 10000000))"));
        Assert.Equal("(1000 0)", h.Eval("(list (fb 1000) *d*)"));
        h.Eval("(defun fc (n) (if (= n 0) 0 (+ 1 (catch n (fc (1- n))))))");
        Assert.Equal("(CAUGHT \"Stack exhausted.\")", h.Eval("(try (fc 10000000))"));
        Assert.Equal("1000", h.Eval("(fc 1000)"));
    }

    [Fact]
    public void Frames_running_out_is_a_storage_condition_and_the_stack_works_again()
    {
        using var h = new EvalHost(new HeapOptions { LimitBytes = 64 * MiB }, sizes: VmSizes.ForMemory(1024 * MiB));
        h.Eval(F); h.Eval(Catch);
        // Like a guest with no frames left: commits fail 4 MiB from now. The reservation
        // (16M slots, 8M frames) is far from used up.
        var frames = h.Host.Frames;
        frames.MaxCommittedPages = frames.CommittedPages + 1024;
        Assert.Equal("(CAUGHT \"Stack exhausted.\")", h.Eval("(try (f 10000000))"));
        Assert.Equal("10000", h.Eval("(f 10000)"));
        Assert.Equal("42", h.Eval("(+ 40 2)"));
        // Frames back: the same recursion goes deeper than before.
        frames.MaxCommittedPages = 0;
        Assert.Equal("1000000", h.Eval("(f 1000000)"));
    }

    [Fact]
    public void Apply_spreads_a_long_list_past_the_first_commit()
    {
        // APPLY pushes the list's elements itself (no ARGS check between them): it grows the
        // stack as it goes (16K slots are committed at start).
        using var h = new EvalHost(new HeapOptions { LimitBytes = 512 * MiB });
        Assert.Equal("100000", h.Eval("(apply #'+ (make-list 100000 :initial-element 1))"));
        Assert.Equal("1000000", h.Eval("(length (apply #'list (make-list 1000000)))"));
        Assert.Equal("42", h.Eval("(+ 40 2)"));
    }

    [Fact]
    public void Green_threads_grow_their_stacks_too()
    {
        using var h = new EvalHost(new HeapOptions { LimitBytes = 128 * MiB }, sizes: VmSizes.ForMemory(256 * MiB));
        h.Eval(F); h.Eval(Catch);
        // 100,000 frames: past the fixed 2048 a thread had before; a 256 MiB guest's thread
        // reserves 128K frames, so 1,000,000 is a storage-condition in the thread.
        Assert.Equal("100000", h.Eval("(join-thread (make-thread (lambda () (f 100000))))"));
        Assert.Equal("(CAUGHT \"Stack exhausted.\")", h.Eval("(join-thread (make-thread (lambda () (try (f 1000000)))))"));
        Assert.Equal("100000", h.Eval("(f 100000)"));
    }

    // Minor collections' root work with the collections at the top of a deep stack: one
    // churn first takes the one full scan the descent costs; the measured churn's
    // collections then scan only what changed above the watermark.
    const string Watermark = @"
(defun churn () (let ((x nil)) (dotimes (i 3000000) (setq x (cons i i))) x))
(defun measure () (churn)
  (let ((s0 (cl::%gc-root-slots)) (c0 (cl::%gc-count)))
    (churn)
    (list (- (cl::%gc-root-slots) s0) (- (cl::%gc-count) c0))))
(defun down (n) (if (= n 0) (measure) (let ((r (down (1- n)))) r)))";

    [Fact]
    public void Minor_collections_do_not_rescan_a_deep_stack()
    {
        using var h = new EvalHost(new HeapOptions { LimitBytes = 256 * MiB, NurseryBytes = 4 * MiB });
        h.Eval(Watermark);
        long[] shallow = Regex.Matches(h.Eval("(down 10)"), "\\d+").Select(m => long.Parse(m.Value)).ToArray();
        long[] deep = Regex.Matches(h.Eval("(down 500000)"), "\\d+").Select(m => long.Parse(m.Value)).ToArray();
        Assert.True(shallow[1] >= 5 && deep[1] >= 5, $"collections: {shallow[1]} {deep[1]}");
        double perShallow = (double)shallow[0] / shallow[1], perDeep = (double)deep[0] / deep[1];
        // 500,000 frames hold ~1.5M value slots and 500K frame slots: without the watermark
        // each collection would visit them all (ratio ~500).
        Assert.True(perDeep < perShallow * 1.5, $"root slots per minor collection: shallow {perShallow}, deep {perDeep}");
        // The first collection after the descent does scan it once.
        string first = h.Eval("(let ((s0 (cl::%gc-root-slots))) (list (down 500000) (- (cl::%gc-root-slots) s0)))");
        Assert.True(long.Parse(Regex.Matches(first, "\\d+")[^1].Value) > 1000000, first);
    }
}
