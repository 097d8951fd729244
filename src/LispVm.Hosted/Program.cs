// lispvm: the hosted Lisp. `lispvm` runs the REPL on stdin/stdout, `lispvm FILE.lisp`
// loads a file, `lispvm -e FORM` evaluates and prints; --heap-limit MB (default 1024).
// Ctrl-C sets the VM's interrupt flag (the running form stops with "Interrupted.").
using System;
using System.IO;
using System.Text;
using System.Threading;
using LispVm.Eval;

namespace LispVm.Hosted;

public static class Program
{
    public static int Main(string[] args)
    {
        ulong limit = 1024;
        string file = null; var evals = new System.Collections.Generic.List<string>();
        bool? debugger = null;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--heap-limit" && i + 1 < args.Length && ulong.TryParse(args[i + 1], out ulong mb)) { limit = mb; i++; }
            else if (args[i] == "-e" && i + 1 < args.Length) { evals.Add(args[++i]); }
            else if (args[i] == "debugger=on" || args[i] == "--debugger") debugger = true;
            else if (args[i] == "debugger=off" || args[i] == "--no-debugger") debugger = false;
            else if (args[i] == "-h" || args[i] == "--help")
            {
                Console.WriteLine("usage: lispvm [--heap-limit MB] [debugger=on|off] [-e FORM]... [FILE.lisp]");
                return 0;
            }
            else file = args[i];
        }
        int rc = 0;
        var t = new Thread(() => rc = Run(limit, file, evals, debugger), 256 << 20);
        t.Start();
        t.Join();
        return rc;
    }

    static int Run(ulong limit, string file, System.Collections.Generic.List<string> evals, bool? debugger)
    {
        var host = new LispHost(LispHost.OptionsFromEnvironment(limit), true);
        // Issue 14: the interactive debugger by default only on a terminal REPL (a file, -e
        // and a pipe keep the one-line error report and the exit status).
        bool onTerminal = file == null && evals.Count == 0 && !Console.IsInputRedirected;
        if (debugger ?? onTerminal) host.Repl.EvalText("(setq *interactive-debugger* t)", false);
        string machine = Environment.MachineName.Replace("\\", "").Replace("\"", "");
        host.Repl.EvalText($"(%set-platform \"{(OperatingSystem.IsLinux() ? "Linux" : "LispVm")}\" \"{machine}\")", false);
        Console.CancelKeyPress += (s, e) => { e.Cancel = true; host.Vm.InterruptFlag = 1; };
        if (host.BootErrors > 0) Console.Error.WriteLine($"lispvm: {host.BootErrors} boot file(s) had errors");
        if (file != null || evals.Count > 0)
        {
            host.Repl.ShowPrompt = false;
            bool fileFailed = false;
            if (file != null)
            {
                if (!File.Exists(file)) { Console.Error.WriteLine($"lispvm: {file}: no such file"); return 2; }
                // Through LOAD, so an error names the file and the line of its form.
                string lit = "\"" + file.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
                bool ok = host.Repl.EvalText("(load " + lit + ")", false);
                if (host.Vm.QuitRequested) return host.Vm.QuitCode;
                if (!ok && evals.Count == 0) return 1;
                fileFailed = !ok;
            }
            foreach (var e in evals)
            {
                host.FeedString(e + "\n");
                host.Repl.FeedEof();
                if (host.Vm.QuitRequested) return host.Vm.QuitCode;
            }
            host.Vm.FlushConsole();
            return fileFailed || host.Repl.Errors > 0 ? 1 : 0;
        }
        // A terminal: the image's line editor (history, Emacs keys) in raw mode.
        if (!Console.IsInputRedirected && !Console.IsOutputRedirected)
        {
            int? code = HostedTerminal.TryRun(host);
            if (code != null) return code.Value;
        }
        host.Repl.ShowPrompt = !Console.IsInputRedirected;
        host.Repl.Start();
        var stdin = Console.OpenStandardInput();
        var buf = new byte[65536];
        var refill = new StdinRefill(stdin, host);
        host.Repl.Refill = refill;
        for (; ; )
        {
            if (refill.Eof) break;
            int n = stdin.Read(buf, 0, buf.Length);
            if (n <= 0) break;
            host.Repl.Feed(buf, n);
            if (host.Vm.QuitRequested) return host.Vm.QuitCode;
        }
        host.Repl.FeedEof();
        if (!Console.IsInputRedirected) Console.WriteLine();
        return host.Vm.QuitRequested ? host.Vm.QuitCode : 0;
    }

    /// <summary>READ/READ-LINE on *standard-input* while a form runs: more of stdin.</summary>
    sealed class StdinRefill : IConsoleRefill
    {
        readonly Stream stdin; readonly LispHost host; readonly byte[] b = new byte[65536];
        public bool Eof;
        public StdinRefill(Stream s, LispHost h) { stdin = s; host = h; }
        public bool Refill(Repl repl)
        {
            if (Eof) return false;
            host.Vm.FlushConsole();
            int n = stdin.Read(b, 0, b.Length);
            if (n <= 0) { Eof = true; return false; }
            repl.Append(b, n);
            return true;
        }
    }
}
