// Why: a fake xenstored on the other side of a SharedPage (the xenstore ring layout):
// parses streamed requests, answers READ/WRITE/RM/DIRECTORY/WATCH/UNWATCH/transactions,
// fires watch events with the registered token (for the path and everything below it),
// pushes replies only as far as the 1 KiB rsp ring allows, and can misbehave on request.
using System.Text;
using XenPv.Shim;
using XenPv.Shim.Io;
using Xunit;

namespace XenPv.Tests;

public sealed unsafe class FakeXenstored : IEventPort
{
    private readonly SharedPage page;
    private static readonly RingLayout L = RingLayout.Xenstore;
    public readonly Dictionary<string, byte[]> Store = new();
    public readonly List<(string Path, string Token)> Watches = new();
    private readonly List<byte> fromGuest = new();
    private readonly Queue<byte> toGuest = new();
    public ulong Now;
    public int Waits;
    public bool Silent;                 // never answers
    public bool EventBeforeReply;       // a watch event overtakes the next reply
    public uint? ForceLength;           // corrupt the next reply's length
    public int? StallAfterBytes;        // send only this many bytes of the next reply, then go silent
    public readonly List<string> Written = new();
    public readonly List<uint> TypesSeen = new();
    public uint NextTx = 41, OpenTx;
    public readonly List<uint> TxIdsSeen = new();
    public int FailCommitsWithEagain;   // the next N commits fail with EAGAIN
    public bool LoseNextCommitReply;    // the next commit is applied but its reply never comes
    public uint? HoldReplyType;         // the next reply of this type waits for ReleaseHeld
    private readonly List<byte[]> held = new();
    public readonly HashSet<uint> OpenTransactions = new();
    public void ReleaseHeld() { foreach (var all in held) foreach (var b in all) toGuest.Enqueue(b); held.Clear(); Pump(); }
    public bool FailNextCommitWithEagain { set => FailCommitsWithEagain = value ? 1 : 0; }
    public List<(string, byte[])> TxWrites = new();

    // The toolstack (not the guest) changes a key: fires watches like xenstored.
    public void ToolstackWrite(string path, string value)
    {
        Store[path] = Encoding.ASCII.GetBytes(value);
        FireWatches(path);
        Pump();
    }

    public FakeXenstored(SharedPage page) { this.page = page; }

    // A backend (the fake netback) that reacts to what the guest writes: called after each
    // guest write lands (a committed transaction: once per key, in order).
    public Action<string, string> OnGuestWrite;

    // A backend's own write from inside OnGuestWrite or a test: stored, watches fired, no pump.
    public void Set(string path, string value)
    {
        Store[path] = Encoding.ASCII.GetBytes(value);
        FireWatches(path);
    }

    public void Remove(string path)
    {
        foreach (var k in Store.Keys.Where(k => k == path || k.StartsWith(path + "/")).ToList()) Store.Remove(k);
        FireWatches(path);
    }

    public void Notify() => Pump();
    public void ClearPending() { }
    public bool IsPending => false;
    public ulong NowNs() => Now;
    public void WaitUntil(ulong deadline) { Waits++; Now = deadline; Pump(); }

    private void Reply(uint type, uint id, byte[] payload)
    {
        var h = new byte[16];
        BitConverter.GetBytes(type).CopyTo(h, 0);
        BitConverter.GetBytes(id).CopyTo(h, 4);
        BitConverter.GetBytes(ForceLength ?? (uint)payload.Length).CopyTo(h, 12);
        ForceLength = null;
        var all = h.Concat(payload).ToArray();
        if (HoldReplyType == type) { HoldReplyType = null; held.Add(all); return; }
        if (StallAfterBytes is int k) { all = all[..Math.Min(k, all.Length)]; StallAfterBytes = null; Silent = true; }
        foreach (var b in all) toGuest.Enqueue(b);
    }

    private void Event(string path, string token) => Reply(15, 0, Encoding.ASCII.GetBytes(path + "\0" + token + "\0"));

    private void FireWatches(string path)
    {
        foreach (var (p, t) in Watches)
            if (path == p || path.StartsWith(p + "/")) Event(path, t);
    }

    private static string Str(byte[] b, int from)
    {
        int nul = Array.IndexOf(b, (byte)0, from);
        return Encoding.ASCII.GetString(b, from, (nul < 0 ? b.Length : nul) - from);
    }

    public void Pump()
    {
        if (!Silent)
        {
            fromGuest.AddRange(page.Consume(L));
            Process();
        }
        else page.Consume(L);
        // Push replies as far as the 1 KiB rsp ring allows (the rest on later pumps).
        uint prod = page[L.InProdOffset], cons = page[L.InConsOffset];
        while (toGuest.Count > 0 && prod - cons < (uint)L.InSize)
            page.P[L.InOffset + (int)(prod++ & (uint)(L.InSize - 1))] = toGuest.Dequeue();
        page[L.InProdOffset] = prod;
    }

    private void Process()
    {
        while (fromGuest.Count >= 16 && !Silent)
        {
            var a = fromGuest.ToArray();
            uint type = BitConverter.ToUInt32(a, 0), id = BitConverter.ToUInt32(a, 4), len = BitConverter.ToUInt32(a, 12);
            if (a.Length < 16 + len) break;
            var payload = a[16..(16 + (int)len)];
            fromGuest.RemoveRange(0, 16 + (int)len);
            TypesSeen.Add(type);
            int nul = Array.IndexOf(payload, (byte)0);
            string path = Str(payload, 0);
            if (EventBeforeReply && Watches.Count > 0) { Event(Watches[0].Path, Watches[0].Token); EventBeforeReply = false; }
            uint tx = BitConverter.ToUInt32(a, 8);
            TxIdsSeen.Add(tx);
            if (tx != 0 && type == 7 && tx != OpenTx && OpenTransactions.Remove(tx)) { Reply(7, id, Encoding.ASCII.GetBytes("OK\0")); continue; }
            if (tx != 0 && tx != OpenTx) { Reply(16, id, Encoding.ASCII.GetBytes("ENOENT\0")); continue; }
            switch (type)
            {
                case 6: // TRANSACTION_START
                    OpenTx = NextTx++;
                    OpenTransactions.Add(OpenTx);
                    Reply(6, id, Encoding.ASCII.GetBytes(OpenTx + "\0"));
                    break;
                case 7: // TRANSACTION_END
                    OpenTransactions.Remove(tx);
                    bool commit = payload.Length > 0 && payload[0] == (byte)'T';
                    if (commit && FailCommitsWithEagain > 0) { FailCommitsWithEagain--; TxWrites.Clear(); OpenTx = 0; Reply(16, id, Encoding.ASCII.GetBytes("EAGAIN\0")); break; }
                    var done = commit ? TxWrites.ToList() : new();
                    TxWrites.Clear();
                    OpenTx = 0;
                    if (commit && LoseNextCommitReply) LoseNextCommitReply = false;
                    else Reply(7, id, Encoding.ASCII.GetBytes("OK\0"));
                    foreach (var (key, value) in done) { Store[key] = value; Written.Add(key); FireWatches(key); }
                    foreach (var (key, value) in done) OnGuestWrite?.Invoke(key, Encoding.ASCII.GetString(value));
                    break;
                case 1: // DIRECTORY
                    string prefix = path + "/";
                    var kids = Store.Keys.Where(k => k.StartsWith(prefix)).Select(k => k[prefix.Length..].Split('/')[0]).Distinct();
                    Reply(1, id, Encoding.ASCII.GetBytes(string.Concat(kids.Select(k => k + "\0"))));
                    break;
                case 2: // READ (inside a transaction: sees its own writes)
                    var pendingWrite = TxWrites.LastOrDefault(w => w.Item1 == path);
                    if (tx != 0 && pendingWrite.Item2 != null) Reply(2, id, pendingWrite.Item2);
                    else if (Store.TryGetValue(path, out var v)) Reply(2, id, v);
                    else Reply(16, id, Encoding.ASCII.GetBytes("ENOENT\0"));
                    break;
                case 11 when tx != 0: // WRITE inside a transaction: visible at commit
                    TxWrites.Add((path, payload[(nul + 1)..]));
                    Reply(11, id, Encoding.ASCII.GetBytes("OK\0"));
                    break;
                case 11 when payload.Length - nul - 1 > 2048: // xenstored's default quota-maxsize
                    Reply(16, id, Encoding.ASCII.GetBytes("E2BIG\0"));
                    break;
                case 11: // WRITE
                    Store[path] = payload[(nul + 1)..];
                    Written.Add(path);
                    Reply(11, id, Encoding.ASCII.GetBytes("OK\0"));
                    FireWatches(path);
                    OnGuestWrite?.Invoke(path, Encoding.ASCII.GetString(Store[path]));
                    break;
                case 13: // RM: the key and everything below it
                    var gone = Store.Keys.Where(k => k == path || k.StartsWith(path + "/")).ToList();
                    if (gone.Count == 0) { Reply(16, id, Encoding.ASCII.GetBytes("ENOENT\0")); break; }
                    foreach (var k in gone) Store.Remove(k);
                    Reply(13, id, Encoding.ASCII.GetBytes("OK\0"));
                    FireWatches(path);
                    break;
                case 4: // WATCH: reply, then the initial event
                    Watches.Add((path, Str(payload, nul + 1)));
                    Reply(4, id, Encoding.ASCII.GetBytes("OK\0"));
                    Event(path, Str(payload, nul + 1));
                    break;
                case 5: // UNWATCH
                    int at = Watches.IndexOf((path, Str(payload, nul + 1)));
                    if (at < 0) { Reply(16, id, Encoding.ASCII.GetBytes("ENOENT\0")); break; }
                    Watches.RemoveAt(at);
                    Reply(5, id, Encoding.ASCII.GetBytes("OK\0"));
                    break;
                default:
                    Reply(16, id, Encoding.ASCII.GetBytes("EINVAL\0"));
                    break;
            }
        }
    }
}
