// Why: issue 12 item 7 in the kernel image as a Linux process, which runs on the same
// 512 KiB stack as the Xen guest (entry.S): a 10^6-deep structure through the reader,
// printer, EQUAL and the compiler, a 10^5-deep non-tail recursion, re-entering callbacks
// and macro expanders that nest the compiler in C# give a result or a storage-condition,
// never a PANIC, and the REPL answers (+ 40 2) after each. The reader's and printer's depth
// follows the heap budget (VmSizes): with a large budget 10^6 levels read and print.
using Xunit;

namespace Image.Tests;

public class LinuxDeepTests
{
    static readonly string Defs = LispVm.Tests.Eval.DeepCases.Defs;

    // (form, expected answer as a regex over the whole line)
    static readonly (string Form, string Answer)[] Cases =
    {
        ("(try (length (read-from-string (concatenate 'string (make-string 1000000 :initial-element #\\() (make-string 1000000 :initial-element #\\))))))",
            "1|\\(CAUGHT \"Reader: form nested too deeply \\(more than \\d+ levels\\)\"\\)"),
        ("(try (length (prin1-to-string (mk 1000000))))", "2000003|\\(CAUGHT \"Printer: object nested too deeply to print.\"\\)"),
        ("(try (equal (mk 1000000) (mk 1000000)))", "T"),
        ("(try (equal (mk2 1000000) (mk2 1000000)))", "\\(CAUGHT \"Structure too deep for EQUAL \\(work stack exhausted\\).\"\\)"),
        ("(try (let ((d (mk 1000000))) (eq d (funcall (compile nil (list 'lambda () (list 'quote d)))))))", "T"),
        ("(try (eval (mkf 1000000)))", "\\(CAUGHT \"Form too deeply nested \\(.*\\).\"\\)"),
        ("(try (deep 100000))", "100000|\\(CAUGHT \"Stack exhausted.\"\\)"),
        ("(try (rs 100000))", "100000|\\(CAUGHT \"Stack exhausted.\"\\)"),
        ("(try (re 100000))", "100000|\\(CAUGHT \"Stack exhausted.\"\\)"),
        ("(try (length (prin1-to-string (let ((x nil)) (dotimes (i 100000) (setq x (make-node :next x))) x))))", "200003|\\(CAUGHT \"Stack exhausted.\"\\)"),
        // Nested compiles in C#: only the C# stack check stops these (the Lisp stacks allow
        // thousands of levels; 512 KiB of C# stack about 350).
        ("(try (eval '(let () (m 1))))", "\\(CAUGHT \"Form too deeply nested \\(stack exhausted\\).\"\\)"),
        ("(try (eval '(let () (m3 1))))", "\\(CAUGHT \"Form too deeply nested \\(stack exhausted\\).\"\\)"),
        ("*mx*", "\\d+"),
        ("(eval '(let () (m 1)))", ";; Error: Form too deeply nested \\(stack exhausted\\)."),
    };

    [Fact]
    public void Deep_cases_give_a_result_or_a_storage_condition_never_a_crash()
    {
        var input = new System.Text.StringBuilder(Defs);
        foreach (var c in Cases) input.Append(c.Form).Append("\n(+ 40 2)\n");
        var r = KernelImage.Run(input.ToString(), 120000, image: KernelImage.ReplPath());
        Assert.False(r.TimedOut, "the image did not finish; tail:\n" + Tail(r.Stdout));
        Assert.DoesNotContain("PANIC", r.Stdout);
        Assert.Equal(0, r.ExitCode);
        // Answers in order: strip prompts, drop the definitions' echoes (names).
        var lines = r.Stdout.Split('\n').Select(l => l.TrimEnd('\r')).Select(l => l.StartsWith("* ") ? l[2..] : l)
            .Where(l => l.Length > 0 && l != "*").ToList();
        int at = lines.FindIndex(l => l == "M3");
        Assert.True(at > 0, "definitions not answered:\n" + Tail(r.Stdout));
        int k = at + 1;
        foreach (var c in Cases)
        {
            Assert.True(k + 1 < lines.Count, $"no answer for {c.Form}:\n" + Tail(r.Stdout));
            Assert.Matches("^(" + c.Answer + ")$", Short(lines[k]));
            Assert.Equal("42", lines[k + 1]);
            k += 2;
        }
        int levels = int.Parse(lines[at + 1 + 2 * 12]);
        Assert.InRange(levels, 20, 5000);
    }

    static string Short(string s) => s.Length > 300 ? s[..300] : s;
    static string Tail(string s) => s[^Math.Min(3000, s.Length)..];
}
