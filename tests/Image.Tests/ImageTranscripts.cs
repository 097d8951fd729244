// Why: the golden transcripts (tests/transcripts/*.txt) must give the same answers from the
// kernel image as from the hosted REPL. One REPL session per file: every chunk's input is
// followed by a marker form, (error "@@END-tag-N") (an error leaves * ** *** alone), whose
// report splits the output into chunks, so the same splitting works on a pipe (no echo) and on the Xen console
// (echo, CRLF). Comparison is Transcript.Check, shared with the hosted runner.
using System.Text;
using System.Text.RegularExpressions;
using LispVm.Tests.Transcripts;

namespace Image.Tests;

public static class ImageTranscripts
{
    public static string Dir => Path.Combine(KernelImage.RepoRoot(), "tests", "transcripts");

    public static IEnumerable<object[]> Files() =>
        Directory.GetFiles(Dir, "*.txt").OrderBy(f => f, StringComparer.Ordinal).Select(f => new object[] { Path.GetFileName(f) });

    public static string Marker(string tag, int i) => $"(error \"@@END-{tag}-{i}\")";
    static string MarkerOut(string tag, int i) => $";; Error: @@END-{tag}-{i}";

    // The whole input for one file: chunk inputs, each followed by its marker line.
    public static string Input(string name, string tag, out List<Chunk> chunks)
    {
        chunks = Transcript.Parse(File.ReadAllText(Path.Combine(Dir, name)));
        return InputFor(chunks, tag);
    }

    public static string InputFor(List<Chunk> chunks, string tag)
    {
        var sb = new StringBuilder();
        bool debugger = false;
        for (int i = 0; i < chunks.Count; i++)
        {
            foreach (string l in chunks[i].Input)
            {
                sb.Append(l).Append('\n');
                if (l.Contains("(setq *interactive-debugger* t)")) debugger = true;
                if (l.Contains("(setq *interactive-debugger* nil)")) debugger = false;
            }
            sb.Append(Marker(tag, i)).Append('\n');
            // With the debugger on (14-debugger.txt) the marker error opens a debugger level:
            // back to the top before the next chunk.
            if (debugger) sb.Append(":top\n");
        }
        return sb.ToString();
    }

    // Splits the session output at the markers' printed values and checks every chunk.
    // Returns the failures (empty = pass).
    public static List<string> Check(string name, string tag, List<Chunk> chunks, string output)
    {
        var failures = new List<string>();
        string text = output.Replace("\r\n", "\n");
        int from = 0;
        for (int i = 0; i < chunks.Count; i++)
        {
            var m = new Regex(@"^(?:\* )*" + Regex.Escape(MarkerOut(tag, i)) + @"[ \t]*$", RegexOptions.Multiline)
                .Match(text, from);
            if (!m.Success)
            {
                failures.Add($"{name}:{chunks[i].FirstLine}: no output after this chunk (marker {Marker(tag, i)} not seen); the session ended or hung\n  tail: {Tail(text, 600)}");
                break;
            }
            string chunkOut = text.Substring(from, m.Index - from);
            from = m.Index + m.Length;
            if (chunks[i].Expects.Count == 0) continue;
            // On an echoing console (Xen) the marker's own echo ends the chunk's text: it
            // counts as input, so the comparer drops it like the rest of the echo.
            var c = chunks[i];
            var withMarker = new Chunk(new List<string>(c.Input) { Marker(tag, i) }, c.Expects, c.FirstLine);
            string msg = Transcript.Check(withMarker, chunkOut, name);
            if (msg != null) failures.Add(msg);
        }
        return failures;
    }

    static string Tail(string s, int n) => s.Length <= n ? s : s.Substring(s.Length - n);
}
