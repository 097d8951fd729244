// Why: the reader interns every symbol through these calls; the well-known packages,
// inheritance through use-lists, keywords and NIL/T must behave as CL says, and interning
// an existing name from bytes must not allocate.
using System.Text;
using LispVm.Gc;
using Xunit;

namespace LispVm.Tests.Gc
{
    public unsafe class PackageTests
    {
        [Fact]
        public void WellKnownPackagesAndNicknames()
        {
            using var t = new GcTestHeap();
            var h = t.H;
            Assert.Equal(h.CommonLispPackage, h.FindPackage("CL"));
            Assert.Equal(h.CommonLispPackage, h.FindPackage("COMMON-LISP"));
            Assert.Equal(h.UserPackage, h.FindPackage("CL-USER"));
            Assert.Equal(h.KeywordPackage, h.FindPackage("KEYWORD"));
            Assert.Equal(h.SystemPackage, h.FindPackage("LISPVM-SYSTEM"));
            Assert.Equal(W.Nil, h.FindPackage("NOPE"));
            Assert.Equal("COMMON-LISP", t.Str(h.PackageName(h.CommonLispPackage)));
            Assert.Equal(W.Nil, h.MakePackage("CL"));
        }

        [Fact]
        public void NilAndT()
        {
            using var t = new GcTestHeap();
            var h = t.H;
            SymbolStatus st;
            Assert.Equal(W.Nil, h.FindSymbol("NIL", h.UserPackage, out st));
            Assert.Equal(SymbolStatus.Inherited, st);
            Assert.Equal(h.T, h.FindSymbol("T", h.CommonLispPackage, out st));
            Assert.Equal(SymbolStatus.External, st);
            Assert.Equal(h.T, h.SymbolValue(h.T));
            Assert.Equal(W.Nil, h.SymbolValue(W.Nil));
            Assert.Equal("NIL", t.Str(h.SymbolName(W.Nil)));
            Assert.Equal(h.CommonLispPackage, h.SymbolPackage(W.Nil));
            h.SetSymbolPlist(W.Nil, h.Cons(W.Fix(1), W.Nil));
            h.Collect(true);
            Assert.Equal(W.Fix(1), h.Car(h.SymbolPlist(W.Nil)));
            Assert.True((h.SymbolFlagBits(h.T) & SymbolFlags.Constant) != 0);
        }

        [Fact]
        public void InternFindExportInherit()
        {
            using var t = new GcTestHeap();
            var h = t.H;
            SymbolStatus st;
            t[0] = h.Intern("FOO", h.UserPackage, out st);
            Assert.Equal(SymbolStatus.None, st);
            Assert.Equal(t[0], h.Intern("FOO", h.UserPackage, out st));
            Assert.Equal(SymbolStatus.Internal, st);
            t[1] = h.InternExternal("CAR", h.CommonLispPackage);
            Assert.Equal(t[1], h.FindSymbol("CAR", h.UserPackage, out st));
            Assert.Equal(SymbolStatus.Inherited, st);
            Assert.Equal(t[1], h.Intern("CAR", h.UserPackage, out st));
            Assert.Equal(SymbolStatus.Inherited, st);
            Assert.Equal(W.Nil, h.FindSymbol("FOO", h.CommonLispPackage, out st));
            Assert.Equal(SymbolStatus.None, st);
            ulong p = h.MakePackage("MY-PKG");
            t[2] = p;
            h.UsePackage(t[2], h.UserPackage);
            h.Export(t[0], h.UserPackage);
            Assert.Equal(t[0], h.FindSymbol("FOO", t[2], out st));
            Assert.Equal(SymbolStatus.Inherited, st);
            h.Collect(true);
            Assert.Equal(t[0], h.FindSymbol("FOO", t[2], out st));
            Assert.Equal(h.UserPackage, h.SymbolPackage(t[0]));
        }

        [Fact]
        public void KeywordsAreSelfEvaluatingConstants()
        {
            using var t = new GcTestHeap();
            var h = t.H;
            SymbolStatus st;
            ulong k = h.Intern("TEST", h.KeywordPackage, out st);
            Assert.Equal(k, h.SymbolValue(k));
            Assert.True(h.IsKeyword(k));
            Assert.Equal(k, h.FindSymbol("TEST", h.KeywordPackage, out st));
            Assert.Equal(SymbolStatus.External, st);
        }

        [Fact]
        public void InternBytesFindsExistingWithoutAllocating()
        {
            using var t = new GcTestHeap();
            var h = t.H;
            t[0] = h.Intern("λ-CALC", h.UserPackage);
            byte[] b = Encoding.UTF8.GetBytes("λ-CALC");
            ulong alloc0 = h.Stats.BytesAllocatedTotal;
            SymbolStatus st;
            fixed (byte* p = b)
            {
                Assert.Equal(t[0], h.InternBytes(p, b.Length, h.UserPackage, out st));
                Assert.Equal(SymbolStatus.Internal, st);
                Assert.Equal(alloc0, h.Stats.BytesAllocatedTotal);
            }
            byte[] pn = Encoding.UTF8.GetBytes("CL-USER");
            fixed (byte* p = pn) Assert.Equal(h.UserPackage, h.FindPackageBytes(p, pn.Length));
            ulong s = h.MakeString("λ-CALC");
            Assert.Equal(t[0], h.InternString(s, h.UserPackage, out st));
            ulong fresh = h.InternString(h.MakeString("NEW-ONE"), h.UserPackage, out st);
            Assert.Equal(SymbolStatus.None, st);
            Assert.Equal("NEW-ONE", t.Str(h.SymbolName(fresh)));
        }

        [Fact]
        public void InternFromOffsetSkipsPrefix()
        {
            using var t = new GcTestHeap();
            var h = t.H;
            ulong k = h.Intern(":COLOR", 1, h.KeywordPackage);
            Assert.Equal("COLOR", t.Str(h.SymbolName(k)));
            Assert.True(h.IsKeyword(k));
            Assert.Equal(k, h.Intern("COLOR", h.KeywordPackage));
        }

        [Fact]
        public void ManySymbolsSurviveFullCollections()
        {
            using var t = new GcTestHeap();
            var h = t.H;
            for (int i = 0; i < 5000; i++) h.Intern("SYM-" + i, h.UserPackage);
            h.Collect(true);
            h.Collect(false);
            SymbolStatus st;
            for (int i = 0; i < 5000; i += 13)
            {
                ulong s = h.FindSymbol("SYM-" + i, h.UserPackage, out st);
                Assert.Equal(SymbolStatus.Internal, st);
                Assert.Equal("SYM-" + i, t.Str(h.SymbolName(s)));
            }
            Assert.Null(h.Verify());
        }
    }
}
