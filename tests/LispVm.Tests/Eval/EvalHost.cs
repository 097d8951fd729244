// A hosted REPL session for Eval tests: feeds text, returns the output with prompts off.
using System.Text;
using LispVm.Gc;
using LispVm.Hosted;

namespace LispVm.Tests.Eval;

public sealed class EvalHost : IDisposable
{
    public readonly LispHost Host;
    readonly StringBuilder output = new StringBuilder();

    public EvalHost(HeapOptions options = null, bool peephole = true, LispVm.Eval.VmSizes sizes = null)
    {
        Host = new LispHost(options ?? new HeapOptions { LimitBytes = 512UL << 20 }, false,
            (b, n) => output.Append(Encoding.UTF8.GetString(b, 0, n)), null, peephole, sizes);
        if (Host.BootErrors != 0) throw new InvalidOperationException("boot errors: " + output);
        Host.Repl.ShowPrompt = false;
    }

    /// <summary>Evaluate text (one or more forms); returns all output, trimmed.</summary>
    public string Eval(string text)
    {
        output.Clear();
        Host.FeedString(text + "\n");
        return output.ToString().Trim();
    }

    /// <summary>Feeds text to the REPL in pieces of at most `piece` bytes, as a console hands
    /// over a long line; returns all output, trimmed.</summary>
    public string FeedInPieces(string text, int piece)
    {
        output.Clear();
        byte[] all = Encoding.UTF8.GetBytes(text);
        for (int at = 0; at < all.Length; at += piece)
        {
            int n = Math.Min(piece, all.Length - at);
            byte[] part = new byte[n];
            Array.Copy(all, at, part, 0, n);
            Host.Repl.Feed(part, n);
        }
        return output.ToString().Trim();
    }

    public void Dispose() { Host.Vm.ReleaseStacks(); Host.Heap.Destroy(); }
}
