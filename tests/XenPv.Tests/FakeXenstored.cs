// Why: a fake xenstored on the other side of a SharedPage (the xenstore ring layout):
// parses streamed requests, answers READ/WRITE/WATCH, fires watch events, pushes replies
// only as far as the 1 KiB rsp ring allows, and can misbehave on request.
using System.Text;
using XenPv.Console;
using XenPv.Shim;
using Xunit;

namespace XenPv.Tests;

public sealed unsafe class FakeXenstored : IEventPort
{
    private readonly SharedPage page;
    private static readonly RingLayout L = RingLayout.Xenstore;
    public readonly Dictionary<string, byte[]> Store = new();
    public readonly List<string> Watches = new();
    private readonly List<byte> fromGuest = new();
    private readonly Queue<byte> toGuest = new();
    public ulong Now;
    public int Waits;
    public bool Silent;                 // never answers
    public bool EventBeforeReply;       // a watch event overtakes the next reply
    public uint? ForceLength;           // corrupt the next reply's length
    public readonly List<string> Written = new();
    public uint NextTx = 41, OpenTx;
    public readonly List<uint> TxIdsSeen = new();
    public bool FailNextCommitWithEagain;
    public List<(string, byte[])> TxWrites = new();

    // The toolstack (not the guest) changes a key: fires watches like xenstored.
    public void ToolstackWrite(string path, string value)
    {
        Store[path] = Encoding.ASCII.GetBytes(value);
        if (Watches.Contains(path)) { Event(path, "tok"); Pump(); }
    }

    public FakeXenstored(SharedPage page) { this.page = page; }

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
        foreach (var b in h) toGuest.Enqueue(b);
        foreach (var b in payload) toGuest.Enqueue(b);
    }

    private void Event(string path, string token) => Reply(15, 0, Encoding.ASCII.GetBytes(path + "\0" + token + "\0"));

    public void Pump()
    {
        if (Silent) { page.Consume(L); return; }
        fromGuest.AddRange(page.Consume(L));
        while (fromGuest.Count >= 16)
        {
            var a = fromGuest.ToArray();
            uint type = BitConverter.ToUInt32(a, 0), id = BitConverter.ToUInt32(a, 4), len = BitConverter.ToUInt32(a, 12);
            if (a.Length < 16 + len) break;
            var payload = a[16..(16 + (int)len)];
            fromGuest.RemoveRange(0, 16 + (int)len);
            int nul = Array.IndexOf(payload, (byte)0);
            string path = Encoding.ASCII.GetString(payload, 0, nul < 0 ? payload.Length : nul);
            if (EventBeforeReply && Watches.Count > 0) { Event(Watches[0], "tok"); EventBeforeReply = false; }
            uint tx = BitConverter.ToUInt32(a, 8);
            TxIdsSeen.Add(tx);
            if (tx != 0 && tx != OpenTx) { Reply(16, id, Encoding.ASCII.GetBytes("ENOENT\0")); continue; }
            switch (type)
            {
                case 6: // TRANSACTION_START
                    OpenTx = NextTx++;
                    Reply(6, id, Encoding.ASCII.GetBytes(OpenTx + "\0"));
                    break;
                case 7: // TRANSACTION_END
                    bool commit = payload.Length > 0 && payload[0] == (byte)'T';
                    if (commit && FailNextCommitWithEagain) { FailNextCommitWithEagain = false; TxWrites.Clear(); OpenTx = 0; Reply(16, id, Encoding.ASCII.GetBytes("EAGAIN\0")); break; }
                    if (commit) foreach (var (key, value) in TxWrites) Store[key] = value;
                    TxWrites.Clear();
                    OpenTx = 0;
                    Reply(7, id, Encoding.ASCII.GetBytes("OK\0"));
                    break;
                case 1: // DIRECTORY
                    string prefix = path + "/";
                    var kids = Store.Keys.Where(k => k.StartsWith(prefix)).Select(k => k[prefix.Length..].Split('/')[0]).Distinct();
                    Reply(1, id, Encoding.ASCII.GetBytes(string.Concat(kids.Select(k => k + "\0"))));
                    break;
                case 2: // READ
                    if (Store.TryGetValue(path, out var v)) Reply(2, id, v); else Reply(16, id, Encoding.ASCII.GetBytes("ENOENT\0"));
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
                    if (Watches.Contains(path)) Event(path, "tok");
                    break;
                case 4: // WATCH: reply, then the initial event
                    Watches.Add(path);
                    Reply(4, id, Encoding.ASCII.GetBytes("OK\0"));
                    Event(path, "tok");
                    break;
                default:
                    Reply(16, id, Encoding.ASCII.GetBytes("EINVAL\0"));
                    break;
            }
        }
        // Push replies as far as the 1 KiB rsp ring allows (the rest on later pumps).
        uint prod = page[L.InProdOffset], cons = page[L.InConsOffset];
        while (toGuest.Count > 0 && prod - cons < (uint)L.InSize)
            page.P[L.InOffset + (int)(prod++ & (uint)(L.InSize - 1))] = toGuest.Dequeue();
        page[L.InProdOffset] = prod;
    }
}
