// Golden transcript format (mal-style, see src/LispVm.Eval/PRIMITIVES.md §d): input lines,
// then expectation lines (;=> value, ;out> output line, ;error> message substring) that
// must match the END of the chunk's output once prompts, echoed input and empty lines are
// removed. Parsing and matching only: any driver (hosted REPL, kernel image, Xen guest)
// supplies the raw output of each chunk.
using System.Text;
using System.Text.RegularExpressions;

namespace LispVm.Tests.Transcripts;

public enum ExpKind { Value, Out, Error }

public sealed record Expect(ExpKind Kind, string Text, int Line);

public sealed record Chunk(List<string> Input, List<Expect> Expects, int FirstLine);

public static class Transcript
{
    public static List<Chunk> Parse(string text)
    {
        var chunks = new List<Chunk>();
        var input = new List<string>(); var exp = new List<Expect>();
        int first = 1;
        string[] lines = text.Replace("\r\n", "\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string l = lines[i];
            ExpKind? k = null; string rest = null;
            if (l.StartsWith(";=>")) { k = ExpKind.Value; rest = l.Substring(3); }
            else if (l.StartsWith(";out>")) { k = ExpKind.Out; rest = l.Substring(5); }
            else if (l.StartsWith(";error>")) { k = ExpKind.Error; rest = l.Substring(7); }
            if (k != null)
            {
                exp.Add(new Expect(k.Value, rest.StartsWith(" ") ? rest.Substring(1) : rest, i + 1));
                continue;
            }
            if (exp.Count > 0) { chunks.Add(new Chunk(input, exp, first)); input = new List<string>(); exp = new List<Expect>(); first = i + 1; }
            if (l.StartsWith(";")) continue; // comment
            input.Add(l);
        }
        if (input.Count > 0 || exp.Count > 0) chunks.Add(new Chunk(input, exp, first));
        return chunks;
    }

    /// <summary>Output lines of a chunk with prompts, echoed input and empty lines removed.</summary>
    public static List<string> Clean(string output, List<string> input)
    {
        var echo = new HashSet<string>(input.Select(s => s.Trim()).Where(s => s.Length > 0));
        var r = new List<string>();
        foreach (string raw in output.Replace("\r\n", "\n").Split('\n'))
        {
            string l = raw;
            while (l.StartsWith("* ")) l = l.Substring(2);
            if (l == "*") l = "";
            // The debugger's prompt "N] ": alone, or followed by its echoed input (Xen), the
            // line is dropped; else the prompt is stripped.
            var dm = DebugPrompt.Match(l);
            if (dm.Success)
            {
                string rest = dm.Groups[1].Value;
                if (rest.Trim().Length == 0 || echo.Contains(rest.Trim())) continue;
                l = rest;
            }
            if (l.Trim().Length == 0) continue;
            if (echo.Contains(l.Trim()) && !l.StartsWith(";;")) { if (IsEcho(l, input)) continue; }
            r.Add(l.TrimEnd());
        }
        return r;
    }

    static readonly Regex DebugPrompt = new Regex(@"^\d+\] ?(.*)$");

    static bool IsEcho(string l, List<string> input) => input.Any(i => i.Trim() == l.Trim() && (i.Contains('(') || i.Contains(' ')));

    public static bool Matches(Expect e, string line)
    {
        if (e.Kind == ExpKind.Error)
        {
            const string p = ";; Error: ";
            if (!line.StartsWith(p)) return false;
            return Wild("{*}" + e.Text.Trim() + "{*}").IsMatch(line.Substring(p.Length));
        }
        return Wild(e.Text.TrimEnd()).IsMatch(line);
    }

    static Regex Wild(string pattern)
    {
        var sb = new StringBuilder("^");
        string[] parts = pattern.Split("{*}");
        for (int i = 0; i < parts.Length; i++) { if (i > 0) sb.Append(".*"); sb.Append(Regex.Escape(parts[i])); }
        return new Regex(sb.Append('$').ToString(), RegexOptions.Singleline);
    }

    /// <summary>Null if the chunk output ends with the expected lines; else a message.</summary>
    public static string Check(Chunk c, string output, string file)
    {
        var lines = Clean(output, c.Input);
        int n = c.Expects.Count;
        if (lines.Count < n) return Fail(c, lines, file, "too few output lines");
        for (int i = 0; i < n; i++)
            if (!Matches(c.Expects[i], lines[lines.Count - n + i]))
                return Fail(c, lines, file, $"line {c.Expects[i].Line}: expected {c.Expects[i].Kind} '{c.Expects[i].Text}', got '{lines[lines.Count - n + i]}'");
        return null;
    }

    static string Fail(Chunk c, List<string> lines, string file, string why)
        => $"{Path.GetFileName(file)}:{c.FirstLine}: {why}\n  input: {string.Join(" | ", c.Input)}\n  output: {string.Join(" | ", lines)}";
}
