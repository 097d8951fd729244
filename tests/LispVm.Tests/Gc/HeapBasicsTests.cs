// Why: the value encoding (DESIGN.md §2-3) and the object constructors are what the reader
// and the VM build on; these pin the tag layout, string encodings and field access.
using LispVm.Gc;
using Xunit;

namespace LispVm.Tests.Gc
{
    public unsafe class HeapBasicsTests
    {
        [Fact]
        public void ImmediatesRoundTrip()
        {
            Assert.Equal(-5L, W.FixVal(W.Fix(-5)));
            Assert.Equal(W.MostPositiveFixnum, W.FixVal(W.Fix(W.MostPositiveFixnum)));
            Assert.True(W.IsFixnum(W.Fix(7)));
            Assert.False(W.IsFixnum(W.Nil));
            Assert.Equal(0x4142UL << 8 | 0x0A, W.MakeChar(0x4142));
            Assert.True(W.IsChar(W.MakeChar(0x1F600)));
            Assert.Equal(0x1F600, W.CharCode(W.MakeChar(0x1F600)));
            Assert.Equal(1.5f, W.SingleValue(W.MakeSingle(1.5f)));
            Assert.True(W.IsSingle(W.MakeSingle(-0.0f)));
            Assert.True(W.IsSymbol(W.Nil) && W.IsList(W.Nil) && !W.IsCons(W.Nil));
            Assert.Equal(0x102UL, W.Unbound);
            Assert.False(W.IsPointer(W.Nil) || W.IsPointer(W.Fix(3)) || W.IsPointer(W.MakeChar(65)));
        }

        [Fact]
        public void ConsesVectorsStringsDoubles()
        {
            using var t = new GcTestHeap();
            var h = t.H;
            ulong c = h.Cons(W.Fix(1), W.Fix(2));
            Assert.True(W.IsCons(c));
            Assert.Equal(W.Fix(1), h.Car(c));
            h.SetCdr(c, W.Nil);
            Assert.Equal(W.Nil, h.Cdr(c));
            Assert.Equal(W.Nil, h.Car(W.Nil));

            ulong v = h.MakeVector(5, W.Fix(9));
            Assert.True(h.Is(v, ObjType.SimpleVector));
            Assert.Equal(5, h.Length(v));
            Assert.Equal(W.Fix(9), h.Slot(v, 4));
            h.SetFlags(v, 0x1234);
            Assert.Equal(0x1234, h.Flags(v));
            Assert.Equal(5, h.Length(v));

            ulong s = h.MakeString("héllo");
            Assert.Equal(ObjType.String8, h.TypeOf(s));
            Assert.Equal(5, h.Length(s));
            Assert.Equal(0xE9, h.StringChar(s, 1));
            Assert.True(h.StringEquals(s, "héllo"));
            Assert.False(h.SetStringChar(s, 0, 0x3B1));

            ulong w = h.MakeString("a\U0001F600λ");
            Assert.Equal(ObjType.String32, h.TypeOf(w));
            Assert.Equal(3, h.Length(w));
            Assert.Equal(0x1F600, h.StringChar(w, 1));

            byte[] utf8 = System.Text.Encoding.UTF8.GetBytes("λx");
            fixed (byte* p = utf8)
            {
                ulong u = h.MakeStringFromBytes(p, utf8.Length);
                Assert.Equal("λx", t.Str(u));
            }

            ulong d = h.MakeDouble(3.25);
            Assert.Equal(ObjType.DoubleFloat, h.TypeOf(d));
            Assert.Equal(3.25, h.DoubleValue(d));

            ulong bv = h.AllocRaw(ObjType.BitVector, 130);
            Assert.Equal(130, h.Length(bv));
            Assert.Equal(0UL, ((ulong*)h.RawData(bv))[2]);
            Assert.Null(h.Verify());
        }

        [Fact]
        public void HeaderLayoutMatchesDesign()
        {
            using var t = new GcTestHeap();
            ulong v = t.H.AllocBoxed(ObjType.Instance, 3);
            Assert.Equal(W.TagObj, v & 7);
            Assert.Equal((3UL << 32) | (0x07UL << 8) | 6, t.H.Header(v));
            ulong s = t.H.MakeSymbol("FOO");
            Assert.Equal(W.TagSymbol, s & 7);
            Assert.Equal(ObjType.Symbol, t.H.TypeOf(s));
            Assert.Equal(W.Unbound, t.H.SymbolValue(s));
        }
    }
}
