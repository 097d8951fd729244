// Why: e2e tests need Xen, which only runs here under QEMU TCG (lab/build.sh). Booting Dom0
// costs ~15-30 s, so one LabDriver boots it once and serves a whole test batch: a control
// agent in Dom0 (lab/dom0/agent.sh) on serial port 2 runs shell commands with framed
// replies, and a virtio-serial port carries the current guest's console (xenconsoled pty
// bridged by socat in Dom0). The image reaches Dom0 through a 9p share (a temp dir on the host).
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Image.Tests.Lab;

public sealed class LabDriver : IDisposable
{
    public const string CachePathDefault = "/var/cache/lispvm-lab";

    public string RepoRoot { get; }
    public string Cache { get; }
    public string Share { get; }
    public TimeSpan BuildTime { get; private set; }
    public bool BuildWasWarm { get; private set; }
    public TimeSpan Dom0BootTime { get; private set; }
    public string BuildOutput { get; private set; } = "";

    private Process _qemu;
    private SerialStream _agent;
    private SerialStream _console;
    private int _nextId;
    private int _guestCount;
    private readonly object _cmdLock = new();

    private LabDriver(string repoRoot)
    {
        RepoRoot = repoRoot;
        Cache = Environment.GetEnvironmentVariable("LISPVM_LAB_CACHE") is { Length: > 0 } c ? c : CachePathDefault;
        Share = Directory.CreateTempSubdirectory("lispvm-labdrv.").FullName;
    }

    // Why the lab cannot run, or null when it can (LISPVM_LAB=1, root, lab scripts present).
    public static string SkipReason()
    {
        if (Environment.GetEnvironmentVariable("LISPVM_LAB") != "1")
            return "Xen lab tests run only with LISPVM_LAB=1 (they boot Xen + Dom0 under QEMU, ~1-2 min; lab/build.sh needs root)";
        if (!OperatingSystem.IsLinux()) return "the Xen lab needs a Linux host";
        return null;
    }

    // Builds (or checks) the lab cache, boots QEMU, waits for the Dom0 agent.
    public static LabDriver Start(string repoRoot, TimeSpan? bootTimeout = null)
    {
        var lab = new LabDriver(repoRoot);
        // 180 s was enough until Dom0's init also started libvirtd (its driver start-up takes
        // tens of seconds of Dom0 CPU under TCG); Dom0 alone took 120-230 s on a loaded host.
        try { lab.Boot(bootTimeout ?? TimeSpan.FromSeconds(300)); }
        catch { lab.Dispose(); throw; }
        return lab;
    }

    private void Boot(TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        var build = RunHost(Path.Combine(RepoRoot, "lab", "build.sh"), "", TimeSpan.FromMinutes(10));
        BuildTime = sw.Elapsed;
        BuildOutput = build.Output;
        if (build.ExitCode != 0) throw new LabException("lab/build.sh failed (exit " + build.ExitCode + "):\n" + build.Output);
        BuildWasWarm = build.Output.Contains("up to date");

        File.Copy(Path.Combine(RepoRoot, "lab", "dom0", "agent.sh"), Path.Combine(Share, "dom0.sh"));
        string agentSock = Path.Combine(Share, "agent.sock"), consSock = Path.Combine(Share, "console.sock");
        // lab/qemu.sh writes the machine down once (also for lab/run.sh) and execs QEMU.
        var psi = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] {
            Path.Combine(RepoRoot, "lab", "qemu.sh"), Share,
            "-serial", "unix:" + agentSock + ",server=on,wait=on",
            "-device", "virtio-serial-pci",
            "-chardev", "socket,id=lcons,path=" + consSock + ",server=on,wait=off",
            "-device", "virtserialport,chardev=lcons,name=lab.console" })
            psi.ArgumentList.Add(a);
        sw.Restart();
        _qemu = Process.Start(psi)!;
        _qemu.OutputDataReceived += (_, _) => { };
        _qemu.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (_qemuErr) _qemuErr.AppendLine(e.Data); };
        _qemu.BeginOutputReadLine();
        _qemu.BeginErrorReadLine();
        // QEMU waits for the agent client (wait=on); the console socket (wait=off) exists by then.
        _agent = SerialStream.Connect(agentSock, _qemu, timeout);
        _console = SerialStream.Connect(consSock, _qemu, timeout);
        if (_agent.WaitFor(new Regex(@"@@AGENT-READY"), 0, timeout - sw.Elapsed) is null)
            throw new LabException("Dom0 agent not ready after " + sw.Elapsed.TotalSeconds.ToString("F1") + " s; Xen/Dom0 console tail:\n" + Com1Tail());
        Dom0BootTime = sw.Elapsed;
    }

    private readonly StringBuilder _qemuErr = new();

    public string Com1Log() { try { return File.ReadAllText(Path.Combine(Share, "com1.log")); } catch (IOException) { return ""; } }
    public string Com1Tail(int lines = 40) => string.Join('\n', Com1Log().Split('\n').TakeLast(lines));

    public sealed record Dom0Result(int ExitCode, string Output);

    // Runs a shell script in Dom0 (as root, via the agent) and returns its exit code and output.
    public Dom0Result Dom0(string script, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        lock (_cmdLock)
        {
            int id = ++_nextId;
            int from = _agent.Length;
            _agent.Write(id + " " + Convert.ToBase64String(Encoding.UTF8.GetBytes(script)) + "\n");
            var m = _agent.WaitFor(new Regex(@"@@BEGIN " + id + @"\n(.*?)\n?@@END " + id + @" (\d+)\n", RegexOptions.Singleline), from, limit);
            if (m is null)
                throw new LabException($"Dom0 command {id} gave no reply in {limit.TotalSeconds} s: {script}\nagent output:\n{_agent.Text(from)}");
            return new Dom0Result(int.Parse(m.Groups[2].Value), m.Groups[1].Value);
        }
    }

    // OnReboot: the cfg's on_reboot ("destroy", or "restart": `xl reboot` brings the domain
    // back under the same name with a new domid; LabGuest.FollowRestart follows it).
    // Vif: one vif line's settings (e.g. "mac=00:16:3e:4c:00:02,bridge=xenbr0"); null = no network.
    public sealed record GuestOptions(string Image, int MemoryMb = 32, int? MaxMemMb = null, string Extra = "", string Ramdisk = null,
                                      string OnReboot = "destroy", string Vif = null);

    // Creates the guest paused, bridges its console to our console socket, then unpauses it.
    public LabGuest StartGuest(GuestOptions o)
    {
        int n = ++_guestCount;
        string name = "lab-guest-" + n;
        File.Copy(o.Image, Path.Combine(Share, name + ".elf"), true);
        var cfg = new StringBuilder();
        cfg.Append("name = \"").Append(name).Append("\"\ntype = \"pv\"\n");
        cfg.Append("kernel = \"/mnt/share/").Append(name).Append(".elf\"\n");
        if (o.Ramdisk != null)
        {
            File.Copy(o.Ramdisk, Path.Combine(Share, name + ".ramdisk"), true);
            cfg.Append("ramdisk = \"/mnt/share/").Append(name).Append(".ramdisk\"\n");
        }
        cfg.Append("memory = ").Append(o.MemoryMb).Append("\nmaxmem = ").Append(o.MaxMemMb ?? o.MemoryMb).Append('\n');
        cfg.Append("vcpus = 1\nextra = \"").Append(o.Extra.Replace("\"", "\\\"")).Append("\"\n");
        cfg.Append("on_poweroff = \"destroy\"\non_reboot = \"").Append(o.OnReboot).Append("\"\non_crash = \"preserve\"\n");
        if (o.Vif != null) cfg.Append("vif = ['").Append(o.Vif).Append("']\n");
        File.WriteAllText(Path.Combine(Share, name + ".cfg"), cfg.ToString());

        var sw = Stopwatch.StartNew();
        var r = Dom0(
            "xl create -p /mnt/share/" + name + ".cfg >/tmp/" + name + ".create 2>&1 || { cat /tmp/" + name + ".create; exit 1; }\n" +
            "ID=$(xl domid " + name + ")\n" + BridgeScript("$ID") + "echo \"domid=$ID\"\n");
        var created = sw.Elapsed;
        var m = Regex.Match(r.Output, @"domid=(\d+)");
        if (r.ExitCode != 0 || !m.Success) throw new LabException("starting the guest failed (exit " + r.ExitCode + "):\n" + r.Output);
        int domId = int.Parse(m.Groups[1].Value);
        int consoleFrom = _console.Length;
        var sinceUnpause = Stopwatch.StartNew();   // includes one agent round trip (~0.1-0.5 s)
        var u = Dom0("xl unpause " + domId);
        if (u.ExitCode != 0) throw new LabException("xl unpause failed:\n" + u.Output);
        return new LabGuest(this, _console, name, domId, consoleFrom, created, sinceUnpause);
    }

    // Dom0 shell lines that join the guest's xenconsoled pty to our console socket (the
    // previous bridge is stopped: one guest console at a time). domIdExpr: a number or "$ID".
    private static string BridgeScript(string domIdExpr) =>
        // A restarted domain gets its pty from xenconsoled a moment after it appears: wait.
        "i=0; until TTY=$(xenstore-read /local/domain/" + domIdExpr + "/console/tty 2>/dev/null) && [ -n \"$TTY\" ] || [ $i -ge 100 ]; do sleep 0.1; i=$((i+1)); done\n" +
        "[ -n \"$TTY\" ] || { echo \"domain " + domIdExpr + " has no console pty\"; exit 1; }\n" +
        // Stop the previous bridge only if that PID is still a socat: once its domain went away
        // (a reboot) it exited by itself, and its PID may now be anyone's, the agent's included.
        "B=$(cat /tmp/bridge.pid 2>/dev/null); [ -n \"$B\" ] && [ \"$(cat /proc/$B/comm 2>/dev/null)\" = socat ] && kill $B\n" +
        "PORT=$(cat /tmp/console-port 2>/dev/null); [ -n \"$PORT\" ] || { echo \"no lab.console virtio-serial port in Dom0\"; exit 1; }\n" +
        "setsid socat OPEN:$PORT $TTY,raw,echo=0 </dev/null >/dev/null 2>&1 &\n" +
        "echo $! >/tmp/bridge.pid\n" +
        "i=0; while [ $(ls -l /proc/$(cat /tmp/bridge.pid)/fd 2>/dev/null | grep -c -e vport -e \"$TTY\") -lt 2 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done\n";

    // Re-joins our console socket to a (new) domain's pty, e.g. after a restart.
    internal void Bridge(int domId)
    {
        var r = Dom0(BridgeScript(domId.ToString()));
        if (r.ExitCode != 0) throw new LabException("bridging the console of domain " + domId + " failed:\n" + r.Output);
    }

    internal int ConsoleLength => _console.Length;

    // The domid now carrying this name, or -1 when no such domain exists.
    public int DomIdOf(string name)
    {
        var r = Dom0("xl domid " + name + " 2>/dev/null");
        return r.ExitCode == 0 && int.TryParse(r.Output.Trim(), out int id) ? id : -1;
    }

    // The domain's memory as `xl list` shows it (MiB; what the toolstack counts), or -1 when gone.
    public int MemoryMiB(int domId)
    {
        var r = Dom0("xl list " + domId + " 2>/dev/null | tail -n +2");
        var f = r.Output.Trim().Split((char[])null, StringSplitOptions.RemoveEmptyEntries);
        return r.ExitCode == 0 && f.Length >= 3 && int.TryParse(f[2], out int mib) ? mib : -1;
    }

    // A xenstore value of the domain (path relative to /local/domain/ID), or null.
    public string XenstoreRead(int domId, string path)
    {
        var r = Dom0("xenstore-read /local/domain/" + domId + "/" + path + " 2>/dev/null");
        return r.ExitCode == 0 ? r.Output.Trim() : null;
    }

    // The guest's whole console as xenconsoled logged it (also what was printed while no
    // one was attached), read through Dom0. Raw bytes as Latin-1.
    public string ConsoleLog(string name)
    {
        var r = Dom0("cat /var/log/xen/console/guest-" + name + ".log 2>/dev/null");
        return r.Output;
    }

    // Starts a Dom0 job that outlives this request (setsid, its own log file); returns at once.
    public void Dom0Background(string script, string logName)
    {
        string b64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(script));
        var r = Dom0("echo " + b64 + " | base64 -d > /tmp/" + logName + ".sh && setsid sh /tmp/" + logName + ".sh </dev/null >/tmp/" + logName + ".log 2>&1 & echo started");
        if (r.ExitCode != 0) throw new LabException("starting a Dom0 background job failed:\n" + r.Output);
    }

    // The guest's state letters from `xl list` ("r-----", "---sc-"), or null when gone.
    public string DomainState(int domId)
    {
        var r = Dom0("xl list " + domId + " 2>/dev/null | tail -n +2");
        var line = r.Output.Trim();
        if (r.ExitCode != 0 || line.Length == 0) return null;
        var f = line.Split((char[])null, StringSplitOptions.RemoveEmptyEntries);
        return f.Length >= 5 ? f[4] : line;
    }

    public void Dispose()
    {
        try
        {
            if (_qemu is { HasExited: false } && _agent != null)
            {
                _agent.Write("exit x\n");   // agent exits; init syncs and reboots: QEMU ends (-no-reboot)
                if (!_qemu.WaitForExit(10000)) _qemu.Kill(true);
            }
            else if (_qemu is { HasExited: false }) _qemu.Kill(true);
        }
        catch (Exception) { try { _qemu?.Kill(true); } catch (Exception) { } }
        _agent?.Dispose();
        _console?.Dispose();
        _qemu?.Dispose();
        if (Environment.GetEnvironmentVariable("LAB_KEEP") == null)
            try { Directory.Delete(Share, true); } catch (IOException) { }
        try { File.Delete(Share + ".swap"); } catch (IOException) { }
    }

    public sealed record HostResult(int ExitCode, string Output, string Stdout, string Stderr, bool TimedOut);

    // Runs a host program (bash script) with stdin text; collects stdout and stderr.
    public static HostResult RunHost(string program, string stdin, TimeSpan timeout, params string[] args)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        try { p.StandardInput.Write(stdin); p.StandardInput.Close(); } catch (IOException) { }
        bool done = p.WaitForExit((int)timeout.TotalMilliseconds);
        if (!done) { try { p.Kill(true); } catch (InvalidOperationException) { } p.WaitForExit(); }
        return new HostResult(done ? p.ExitCode : -1, o.Result + e.Result, o.Result, e.Result, !done);
    }
}

public sealed class LabException(string message) : Exception(message);
