// Why: issue 14's console probe set (tests/probes/console-probes.txt) is one list for three
// worlds; this reads it (one parser: the hosted tests, the Linux image's and the Xen lab's
// link this file), builds each probe's bytes followed by `(+ 40 2)` and an end marker, and
// checks a world's output probe by probe: the output between two markers must match the
// probe's patterns in order (and none of its "absent" ones) and then answer 42. Bytes travel as Latin-1 chars (0..255).
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace LispVm.Tests.Probes;

public sealed record ConsoleProbe(string Name, List<string> Lines, List<string> Patterns, List<string> Absent);

public static class ConsoleProbes
{
    public const string Sentinel = "(+ 40 2)";

    public static string FilePath()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "LispVm.sln"))) return Path.Combine(d.FullName, "tests", "probes", "console-probes.txt");
        throw new InvalidOperationException("repository root (LispVm.sln) not found above " + AppContext.BaseDirectory);
    }

    public static List<ConsoleProbe> Load() => Parse(File.ReadAllText(FilePath()));

    public static List<ConsoleProbe> Parse(string text)
    {
        var probes = new List<ConsoleProbe>();
        ConsoleProbe cur = null;
        int no = 0;
        foreach (string raw in text.Split('\n'))
        {
            no++;
            string l = raw.TrimEnd('\r');
            if (l.Length == 0 || l[0] == '#') continue;
            if (l.StartsWith("= ")) { cur = new ConsoleProbe(l[2..].Trim(), new(), new(), new()); probes.Add(cur); continue; }
            if (cur == null) throw new FormatException($"line {no}: outside a probe");
            if (l.StartsWith("~ ")) { cur.Patterns.Add(l[2..]); continue; }
            if (l.StartsWith("!~ ")) { cur.Absent.Add(l[3..]); continue; }
            var m = Regex.Match(l, @"^>(\d*) (.*)$");
            if (!m.Success) throw new FormatException($"line {no}: not a probe line: {l}");
            int times = m.Groups[1].Length > 0 ? int.Parse(m.Groups[1].Value) : 1;
            string line = Expand(m.Groups[2].Value, no);
            for (int i = 0; i < times; i++) cur.Lines.Add(line);
        }
        return probes;
    }

    // {rep N S} and {byte HH}; other text is taken as it is.
    static string Expand(string s, int no)
    {
        var sb = new StringBuilder();
        int i = 0;
        while (i < s.Length)
        {
            var m = Regex.Match(s[i..], @"^\{rep (\d+) ([^}]*)\}|^\{byte ([0-9a-fA-F]{2})\}");
            if (s[i] == '{' && m.Success)
            {
                if (m.Groups[1].Success) for (int k = int.Parse(m.Groups[1].Value); k > 0; k--) sb.Append(m.Groups[2].Value);
                else sb.Append((char)Convert.ToByte(m.Groups[3].Value, 16));
                i += m.Length;
                continue;
            }
            if (s[i] > 0x7f) throw new FormatException($"line {no}: write bytes above 127 as {{byte HH}}");
            sb.Append(s[i++]);
        }
        return sb.ToString();
    }

    public static string Marker(int index) => $":probe-end-{index}";
    static string MarkerOut(int index) => $":PROBE-END-{index}";

    // A probe's input lines, then the sentinel and the marker, each ended by newLine.
    public static IEnumerable<string> InputLines(ConsoleProbe p, int index)
    {
        foreach (var l in p.Lines) yield return l;
        yield return Sentinel;
        yield return Marker(index);
    }

    public static string Input(ConsoleProbe p, int index, string newLine = "\n")
    {
        var sb = new StringBuilder();
        foreach (var l in InputLines(p, index)) sb.Append(l).Append(newLine);
        return sb.ToString();
    }

    public static string AllInput(List<ConsoleProbe> probes, string newLine = "\n")
    {
        var sb = new StringBuilder();
        for (int i = 0; i < probes.Count; i++) sb.Append(Input(probes[i], i, newLine));
        return sb.ToString();
    }

    // The printed marker of probe `index` (the echo is lower case, the value upper case).
    public static Regex MarkerRegex(int index) => new(@"(?m)^(\* )?" + Regex.Escape(MarkerOut(index)) + @"\r?$");

    // Splits a whole session's output at the markers and checks every probe; the failures
    // come back (empty: all passed). A missing marker fails that probe and every later one.
    public static List<string> Check(List<ConsoleProbe> probes, string output)
    {
        var failures = new List<string>();
        int at = 0;
        for (int i = 0; i < probes.Count; i++)
        {
            var m = MarkerRegex(i).Match(output, at);
            if (!m.Success)
            {
                failures.Add($"{probes[i].Name}: no end marker (the REPL died or wedged); output after the previous probe:\n{Tail(output[at..])}");
                break;
            }
            string f = CheckOne(probes[i], i, output[at..m.Index]);
            if (f != null) failures.Add(f);
            at = m.Index + m.Length;
        }
        return failures;
    }

    // One probe's output (from after the previous marker to before its own): its patterns
    // in order, then 42 as the last value. Null when it passed.
    public static string CheckOne(ConsoleProbe p, int index, string segment)
    {
        string s = segment.Replace("\r", "");
        int at = 0;
        foreach (var pat in p.Patterns)
        {
            var m = new Regex(pat).Match(s, at);
            if (!m.Success) return $"{p.Name}: no /{pat}/ in:\n{Tail(s[at..])}";
            at = m.Index + m.Length;
        }
        foreach (var pat in p.Absent)
        {
            var m = new Regex(pat).Match(s);
            if (m.Success) return $"{p.Name}: /{pat}/ should not match, but matches at {m.Index}:\n{Tail(s[..Math.Min(s.Length, m.Index + 200)])}";
        }
        var answer = new Regex(@"(?m)^(\* )?42$").Match(s, at);
        // After it only prompts and the echo of the marker (terminal worlds).
        if (!answer.Success || s[(answer.Index + answer.Length)..].Replace(Marker(index), "").Trim(' ', '\n', '*').Length != 0)
            return $"{p.Name}: (+ 40 2) did not answer 42 last:\n{Tail(s[at..])}";
        return null;
    }

    // Runs a program on a pipe with the given input bytes (Latin-1 chars), written while the
    // output is read; stdout then stderr come back as Latin-1.
    public static (string Out, int Exit, bool TimedOut) RunPipe(string program, string input, int timeoutMs, params string[] args)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            StandardOutputEncoding = Encoding.Latin1,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        var writer = Task.Run(() =>
        {
            try
            {
                var bytes = Encoding.Latin1.GetBytes(input);
                p.StandardInput.BaseStream.Write(bytes, 0, bytes.Length);
                p.StandardInput.Close();
            }
            catch (IOException) { }      // it exited before reading everything
        });
        bool exited = p.WaitForExit(timeoutMs);
        if (!exited) { try { p.Kill(true); } catch (InvalidOperationException) { } p.WaitForExit(); }
        writer.Wait(5000);
        return (stdout.Result + stderr.Result, exited ? p.ExitCode : -1, !exited);
    }

    public static string Tail(string s) => s.Length <= 1500 ? s : "..." + s[^1500..];

    /// <summary>The whole set typed as a paste on a terminal (tests/Image.Tests/pty_session.py
    /// runs PROGRAM ARGS on a pty; CR ends a line, as a terminal sends it; Ctrl-D at the
    /// end): every probe survived, the program exited 0 and gave the terminal's modes back.
    /// The hosted REPL and the Linux image share it.</summary>
    public static void CheckOnPty(string program, params string[] args)
    {
        var probes = Load();
        string root = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(FilePath())))!;
        var steps = new object[][]
        {
            new object[] { "wait", "\\* $" },
            new object[] { "paste", AllInput(probes, "\r"), 300 },
            new object[] { "wait", MarkerRegex(probes.Count - 1).ToString(), 300 },
            new object[] { "send", "\u0004" },
        };
        string stepsFile = Path.GetTempFileName();
        File.WriteAllText(stepsFile, JsonSerializer.Serialize(steps));
        var psi = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(root, "tests", "Image.Tests", "pty_session.py"));
        psi.ArgumentList.Add("@" + stepsFile);
        psi.ArgumentList.Add(program);
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string json = p.StandardOutput.ReadToEnd();
        Xunit.Assert.True(p.WaitForExit(700000), "pty_session.py did not finish");
        File.Delete(stepsFile);
        Xunit.Assert.True(p.ExitCode == 0, "pty_session.py failed: " + err.Result);
        using var doc = JsonDocument.Parse(json);
        var r = doc.RootElement;
        string output = r.GetProperty("output").GetString()!;
        Xunit.Assert.DoesNotContain("PANIC", output);
        var failures = Check(probes, output);
        Xunit.Assert.True(failures.Count == 0, string.Join("\n\n", failures));
        Xunit.Assert.True(r.GetProperty("failed").ValueKind == JsonValueKind.Null, r.GetProperty("failed").ToString());
        Xunit.Assert.Equal(0, r.GetProperty("exit").GetInt32());
        Xunit.Assert.True(r.GetProperty("restored").GetBoolean(), "the terminal's modes were not given back");
    }
}
