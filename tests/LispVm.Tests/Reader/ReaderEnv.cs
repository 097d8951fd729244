// Why: one heap + number registers + reader + printer per test class, with string-backed
// IReadSource / IPrintSink implementations, so tests drive exactly the objects the VM uses.
using System.Runtime.InteropServices;
using System.Text;
using LispVm.Gc;
using LispVm.Reader;
using LispVm.Reader.Numbers;

namespace LispVm.Tests.Reader
{
    /// <summary>mmap-backed frames (zero pages on first touch), enough for tests.</summary>
    sealed unsafe class TestFrames : IFrameSource
    {
        [DllImport("libc")] static extern IntPtr mmap(IntPtr a, UIntPtr l, int prot, int flags, int fd, IntPtr off);
        [DllImport("libc")] static extern int mprotect(IntPtr a, UIntPtr l, int prot);
        [DllImport("libc")] static extern int madvise(IntPtr a, UIntPtr l, int advice);
        [DllImport("libc")] static extern int munmap(IntPtr a, UIntPtr l);
        public ulong PageSize => 4096;
        public ulong Reserve(ulong bytes)
        {
            IntPtr p = mmap(IntPtr.Zero, (UIntPtr)bytes, 0, 0x02 | 0x20 | 0x4000, -1, IntPtr.Zero);
            return p == new IntPtr(-1) ? 0 : (ulong)p;
        }
        public bool Commit(ulong addr, ulong bytes) => mprotect((IntPtr)(long)addr, (UIntPtr)bytes, 3) == 0;
        public bool CommitUncleared(ulong addr, ulong bytes) => Commit(addr, bytes);
        public bool Decommit(ulong addr, ulong bytes) { madvise((IntPtr)(long)addr, (UIntPtr)bytes, 4); return mprotect((IntPtr)(long)addr, (UIntPtr)bytes, 0) == 0; }
        public void Release(ulong addr, ulong bytes) => munmap((IntPtr)(long)addr, (UIntPtr)bytes);
    }

    public sealed class StringSource : IReadSource
    {
        readonly string text; int pos; readonly bool realEnd;
        public StringSource(string t, bool realEnd = true) { text = t; this.realEnd = realEnd; }
        public int Read() => pos < text.Length ? text[pos++] : -1;
        public int Peek() => pos < text.Length ? text[pos] : -1;
        public bool AtRealEnd => realEnd;
        public int Position => pos;
    }

    public sealed class BytesSource : IReadSource
    {
        readonly byte[] data; int pos;
        public BytesSource(byte[] d) { data = d; }
        public int Read() => pos < data.Length ? data[pos++] : -1;
        public int Peek() => pos < data.Length ? data[pos] : -1;
        public bool AtRealEnd => true;
    }

    public sealed class StringSink : IPrintSink
    {
        public readonly StringBuilder Sb = new StringBuilder();
        public int Limit = int.MaxValue;
        public void WriteChar(int c) { if (Sb.Length < Limit) Sb.Append(char.ConvertFromUtf32(c)); }
    }

    public sealed class ReaderEnv
    {
        public readonly Heap Heap;
        public readonly Num Num;
        public readonly LispReader Reader;
        public readonly LispPrinter Printer;
        public ReadOptions ReadOpts;

        public ReaderEnv(HeapOptions ho = null)
        {
            Heap = new Heap(new TestFrames(), 512UL << 20, ho ?? new HeapOptions());
            Num = new Num(Heap, 4096);
            Reader = new LispReader(Heap, Num);
            Printer = new LispPrinter(Heap, Num);
            foreach (string n in new[] { "CAR", "CDR", "CONS", "LIST", "QUOTE", "FUNCTION" })
                Heap.InternExternal(n, Heap.CommonLispPackage);
            ReadOpts = new ReadOptions { ReadBase = 10, Package = Heap.UserPackage, Features = W.Nil, ReadEval = true };
            featuresRoot = Heap.PushRoot(W.Nil);
        }

        readonly int featuresRoot;

        /// <summary>Sets *features* to keywords (kept in a GC root: objects move).</summary>
        public void SetFeatures(params string[] names)
        {
            Heap.SetRoot(featuresRoot, W.Nil);
            foreach (string n in names) Heap.SetRoot(featuresRoot, Heap.Cons(Heap.Intern(n, Heap.KeywordPackage), Heap.Root(featuresRoot)));
        }

        /// <summary>The options with heap words re-read now (a GC may have moved them).</summary>
        public ReadOptions Opts()
        {
            ReadOpts.Package = Heap.UserPackage;
            ReadOpts.Features = Heap.Root(featuresRoot);
            return ReadOpts;
        }

        /// <summary>A fresh string source starts at 1:1 (the reader keeps counting across calls on one source).</summary>
        StringSource Fresh(string s) { Reader.Line = 1; Reader.Column = 1; return new StringSource(s); }

        public ReadStatus TryRead(string s, out ulong v) => Reader.Read(Fresh(s), Opts(), out v);

        public ulong Read(string s)
        {
            var st = Reader.Read(Fresh(s), Opts(), out ulong v);
            if (st != ReadStatus.Ok) throw new Exception($"read {(s.Length > 60 ? s.Substring(0, 60) : s)}: {st} {Error()}");
            return v;
        }

        public string Error()
        {
            byte[] b = new byte[700];
            int n = Reader.FormatError(b);
            return Encoding.UTF8.GetString(b, 0, n);
        }

        public string Print(ulong v, PrintOptions? o = null)
        {
            var sink = new StringSink();
            Printer.Print(v, sink, o ?? PrintOptions.Prin1);
            return sink.Sb.ToString();
        }

        public string Princ(ulong v) => Print(v, PrintOptions.Princ);

        /// <summary>read then prin1.</summary>
        public string RT(string s) => Print(Read(s));

        public ulong Sym(string name, ulong pkg = 0) => Heap.Intern(name, pkg == 0 ? Heap.UserPackage : pkg);
    }
}
