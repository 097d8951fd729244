// Why: the ANSI test suite judges LispVm only if LispVm does not know it: nothing under
// src/ may name the suite's packages, harness files or tests (issue 13). This test greps.
using System.IO;
using System.Text.RegularExpressions;
using Xunit;

namespace LispVm.Tests.Ansi;

public class SuiteNamesTests
{
    // The suite's packages (CL-TEST, REGRESSION-TEST and its nicknames RT/RTEST used as a
    // package prefix), its harness files and its test-defining macro.
    static readonly Regex Forbidden = new Regex(
        @"cl-test|regression-test|ansi-test|gclload|deftest|\brtest:|\brt:[a-z*]|\bdo-tests\b",
        RegexOptions.IgnoreCase | RegexOptions.Compiled);

    [Fact]
    public void Nothing_in_src_names_the_ansi_suite()
    {
        string src = Path.Combine(Transcripts.TranscriptTests.RepoRoot(), "src");
        var hits = new System.Collections.Generic.List<string>();
        int files = 0;
        foreach (string f in Directory.EnumerateFiles(src, "*", SearchOption.AllDirectories))
        {
            string rel = Path.GetRelativePath(src, f).Replace('\\', '/');
            if (rel.Contains("/bin/") || rel.Contains("/obj/")) continue;
            string ext = Path.GetExtension(f);
            if (ext != ".cs" && ext != ".lisp" && ext != ".md" && ext != ".csproj" && ext != ".sh") continue;
            files++;
            string[] lines = File.ReadAllLines(f);
            for (int i = 0; i < lines.Length; i++)
                if (Forbidden.IsMatch(lines[i])) hits.Add(rel + ":" + (i + 1) + ": " + lines[i].Trim());
        }
        Assert.True(files > 50, "found only " + files + " source files under " + src);
        Assert.True(hits.Count == 0, "src/ names the ANSI suite:\n" + string.Join("\n", hits));
    }

    [Fact]
    public void The_pattern_catches_the_suite_names()
    {
        Assert.Matches(Forbidden, "(in-package :cl-test)");
        Assert.Matches(Forbidden, "(rt:deftest foo.1 (foo) 1)");
        Assert.Matches(Forbidden, "(regression-test:do-tests)");
        Assert.DoesNotMatch(Forbidden, "shortest digits; (sort x) ; ROOT:");
    }
}
