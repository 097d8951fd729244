// Why: the collector is the product. These build object graphs, run minor and full
// collections (and the stress mode), and check contents, identities (eq), the barrier,
// deep structures, large objects, frame trimming and exhaustion, with Verify after each.
using LispVm.Gc;
using Xunit;

namespace LispVm.Tests.Gc
{
    public unsafe class CollectorTests
    {
        [Fact]
        public void ListsVectorsStringsSymbolsSurviveMinorAndFull()
        {
            using var t = new GcTestHeap();
            var h = t.H;
            t[0] = t.Range(10000);
            t[1] = h.MakeVector(100, W.Nil);
            for (int i = 0; i < 100; i++) { ulong s = h.MakeString("s" + i); h.SetSlot(t[1], i, s); }
            t[2] = h.Intern("SURVIVOR", h.UserPackage);
            { ulong c = h.Cons(W.Fix(42), W.Nil); h.SetSymbolValue(t[2], c); }
            for (int i = 0; i < 50000; i++) h.Cons(W.Fix(i), W.Nil);   // garbage
            ulong before = t[0];
            h.Collect(false);
            Assert.NotEqual(before, t[0]);          // the list moved out of the nursery
            Assert.True(h.IsOld(t[0]));
            Assert.Null(h.Verify());
            h.Collect(true);
            Assert.Null(h.Verify());
            Assert.True(t.IsRange(t[0], 10000));
            for (int i = 0; i < 100; i++) Assert.Equal("s" + i, t.Str(h.Slot(t[1], i)));
            SymbolStatus st;
            Assert.Equal(t[2], h.FindSymbol("SURVIVOR", h.UserPackage, out st));
            Assert.Equal(W.Fix(42), h.Car(h.SymbolValue(t[2])));
            Assert.Equal(1UL, h.Stats.MinorCollections);
            Assert.Equal(1UL, h.Stats.FullCollections);
        }

        [Fact]
        public void FullCollectionForwardsIntoMovedDataFromTheDensePrefix()
        {
            // After a full collection the old space is dense: the next one leaves that prefix
            // where it is (no forwarding into it) but must still forward the prefix's pointers
            // to objects that move down, and rebuild the crossing map for the moved ones.
            using var t = new GcTestHeap(verify: true);
            var h = t.H;
            t[0] = t.Range(3000);                    // the prefix
            t[1] = t.Range(5000);                    // dies: leaves a gap
            t[2] = t.Range(4000);                    // moves down into the gap
            t[3] = h.MakeVector(200, W.Nil);         // spans cards; moves too
            for (int i = 0; i < 200; i++) h.SetSlot(t[3], i, W.Fix(i));
            h.Collect(true);
            Assert.Null(h.Verify());
            h.SetCar(t[0], t[2]);                    // prefix -> moving data
            h.SetSlot(t[3], 7, t[0]);                // moving data -> prefix
            ulong prefix = t[0], moving = t[2];
            t[1] = W.Nil;
            h.Collect(true);
            Assert.Null(h.Verify());
            Assert.Equal(prefix, t[0]);              // the prefix stayed
            Assert.NotEqual(moving, t[2]);           // the data above the gap moved
            Assert.Equal(t[2], h.Car(t[0]));         // and the prefix's pointer followed it
            Assert.True(t.IsRange(t[2], 4000));
            ulong l = h.Cdr(t[0]);
            for (int i = 1; i < 3000; i++, l = h.Cdr(l)) Assert.Equal(W.Fix(i), h.Car(l));
            Assert.Equal(W.Nil, l);
            Assert.Equal(t[0], h.Slot(t[3], 7));
            Assert.Equal(W.Fix(199), h.Slot(t[3], 199));
            h.Collect(false);                        // a minor after it reads the crossing map
            Assert.Null(h.Verify());
        }

        [Fact]
        public void NurseryShrinksAfterHighSurvivalAndGrowsBack()
        {
            // HeapOptions.MinorSurvivorTargetBytes (512 KiB): after a minor collection that
            // promoted everything, the next one comes after about 512 KiB, not a whole nursery;
            // with nothing surviving the nursery doubles per collection back to its size.
            using var t = new GcTestHeap(nurseryMiB: 4);
            var h = t.H;
            t[0] = t.Range(300000);                  // 4.8 MB, all live
            ulong m0 = h.Stats.MinorCollections;
            Assert.True(m0 >= 1);
            for (int i = 0; i < 50000; i++) h.Cons(W.Nil, W.Nil);     // 800 KB of garbage
            ulong m1 = h.Stats.MinorCollections;
            Assert.True(m1 > m0, "no minor collection within 800 KB after full survival");
            for (int i = 0; i < 1000000; i++) h.Cons(W.Nil, W.Nil);   // 16 MB of garbage
            ulong m2 = h.Stats.MinorCollections;
            Assert.InRange(m2 - m1, 4UL, 9UL);       // 0.5+1+2+4+4+4 MiB..., not 32 of 512 KiB
            Assert.True(t.IsRange(t[0], 300000));
            Assert.Null(h.Verify());
        }

        [Fact]
        public void SurvivorTargetZeroKeepsTheWholeNursery()
        {
            using var t = new GcTestHeap(nurseryMiB: 4, survivorTargetKiB: 0);
            var h = t.H;
            t[0] = t.Range(300000);
            ulong m0 = h.Stats.MinorCollections;
            for (int i = 0; i < 50000; i++) h.Cons(W.Nil, W.Nil);
            Assert.Equal(m0, h.Stats.MinorCollections);
        }

        [Fact]
        public void RootStackProtectsLocals()
        {
            using var t = new GcTestHeap();
            var h = t.H;
            int mark = h.RootMark();
            int a = h.PushRoot(h.Cons(W.Fix(1), W.Fix(2)));
            h.Collect(false);
            h.Collect(true);
            ulong x = h.Root(a);
            Assert.Equal(W.Fix(1), h.Car(x));
            Assert.Equal(W.Fix(2), h.Cdr(x));
            h.PopRoots(mark);
            Assert.Equal(mark, h.RootMark());
        }

        [Fact]
        public void BarrierKeepsYoungObjectStoredIntoOld()
        {
            using var t = new GcTestHeap();
            var h = t.H;
            t[0] = h.MakeVector(10, W.Nil);
            t[1] = h.Cons(W.Nil, W.Nil);
            h.Collect(false);                                   // both now old
            Assert.True(h.IsOld(t[0]) && h.IsOld(t[1]));
            ulong y1 = h.Cons(W.Fix(7), W.Nil);
            h.SetSlot(t[0], 7, y1);                             // old -> young via SetSlot
            ulong y2 = h.MakeString("young");
            h.SetCar(t[1], y2);                                 // old -> young via SetCar
            Assert.Null(h.Verify());
            for (int i = 0; i < 1000; i++) h.Cons(W.Nil, W.Nil);
            h.Collect(false);
            Assert.Null(h.Verify());
            Assert.Equal(W.Fix(7), h.Car(h.Slot(t[0], 7)));
            Assert.Equal("young", t.Str(h.Car(t[1])));
            // And once more across a full collection.
            ulong y3 = h.Cons(W.Fix(8), W.Nil);
            h.SetCdr(t[1], y3);
            h.Collect(true);
            Assert.Equal(W.Fix(8), h.Car(h.Cdr(t[1])));
            Assert.Null(h.Verify());
        }

        [Fact]
        public void VerifyCatchesMissingBarrier()
        {
            using var t = new GcTestHeap();
            var h = t.H;
            t[0] = h.MakeVector(4, W.Nil);
            h.Collect(false);
            ulong young = h.Cons(W.Nil, W.Nil);
            ((ulong*)h.RawData(t[0]))[2] = young;               // raw store, no barrier
            string err = h.Verify();
            Assert.NotNull(err);
            Assert.Contains("barrier", err);
            h.Barrier(t[0]);
            Assert.Null(h.Verify());
        }

        [Fact]
        public void DeepNestedListsSurviveWithoutRecursion()
        {
            using var t = new GcTestHeap(limitMiB: 128);
            var h = t.H;
            const int depth = 100000;
            ulong x = W.Fix(-1);
            for (int i = 0; i < depth; i++) x = h.Cons(x, W.Fix(i));   // car-nested
            t[0] = x;
            ulong y = W.Nil;
            for (int i = 0; i < depth; i++) y = h.Cons(y, W.Nil);      // ((((...))))
            t[1] = y;
            h.Collect(false);
            h.Collect(true);
            Assert.Null(h.Verify());
            x = t[0];
            for (int i = depth - 1; i >= 0; i--) { Assert.Equal(W.Fix(i), h.Cdr(x)); x = h.Car(x); }
            Assert.Equal(W.Fix(-1), x);
            int n = 0;
            for (y = t[1]; y != W.Nil; y = h.Car(y)) n++;
            Assert.Equal(depth, n);
            Assert.True(h.Equal(t[1], t[1]));
            // Two distinct 100,000-deep structures: equal must walk them without recursion.
            y = W.Nil;
            for (int i = 0; i < depth; i++) y = h.Cons(y, W.Nil);
            Assert.True(h.Equal(t[1], y));
            Assert.True(h.Equalp(t[1], y));
            Assert.False(h.Equal(t[1], h.Cons(W.Nil, W.Nil)));
        }

        [Fact]
        public void WideVectorOverflowsMarkStackAndStillMarksEverything()
        {
            using var t = new GcTestHeap(limitMiB: 128);
            var h = t.H;
            const int n = 100000;   // > the 32K-entry mark stack
            t[0] = h.MakeVector(n, W.Nil);
            for (int i = 0; i < n; i++) { ulong e = h.Cons(W.Fix(i), h.Cons(W.Fix(-i), W.Nil)); h.SetSlot(t[0], i, e); }
            h.Collect(true);
            Assert.Null(h.Verify());
            for (int i = 0; i < n; i += 997)
            {
                ulong e = h.Slot(t[0], i);
                Assert.Equal(W.Fix(i), h.Car(e));
                Assert.Equal(W.Fix(-i), h.Car(h.Cdr(e)));
            }
            h.Collect(true);
            Assert.Equal(W.Fix(n - 1), h.Car(h.Slot(t[0], n - 1)));
        }

        [Fact]
        public void SharedStructureKeepsIdentityAcrossCollections()
        {
            using var t = new GcTestHeap();
            var h = t.H;
            ulong shared = h.Cons(W.Fix(1), W.Nil);
            t[0] = h.Cons(shared, shared);
            h.SetCdr(shared, t[0]);                              // a cycle
            h.Collect(false);
            Assert.Equal(h.Car(t[0]), h.Cdr(t[0]));
            Assert.Equal(t[0], h.Cdr(h.Car(t[0])));
            h.Collect(true);
            Assert.Equal(h.Car(t[0]), h.Cdr(t[0]));
            Assert.Equal(t[0], h.Cdr(h.Car(t[0])));
            Assert.Null(h.Verify());
        }

        [Fact]
        public void LargeObjectsLiveInOldSpaceAndSurvive()
        {
            using var t = new GcTestHeap(limitMiB: 128);
            var h = t.H;
            t[0] = h.MakeVector(200000, W.Fix(3));               // 1.6 MB
            Assert.True(h.IsOld(t[0]));
            t[1] = h.AllocRaw(ObjType.ByteVector, 1 << 20);
            Assert.True(h.IsOld(t[1]));
            h.RawData(t[1])[12345] = 77;
            ulong tail = h.MakeString("tail");
            h.SetSlot(t[0], 199999, tail);                      // old large -> young
            for (int i = 0; i < 100000; i++) h.Cons(W.Nil, W.Nil);
            h.Collect(false);
            Assert.Equal("tail", t.Str(h.Slot(t[0], 199999)));
            h.Collect(true);
            Assert.Null(h.Verify());
            Assert.Equal(W.Fix(3), h.Slot(t[0], 123));
            Assert.Equal("tail", t.Str(h.Slot(t[0], 199999)));
            Assert.Equal(77, h.RawData(t[1])[12345]);
        }

        [Fact]
        public void TrimFramesDecommitsFreedTail()
        {
            using var t = new GcTestHeap(limitMiB: 256);
            var h = t.H;
            t[0] = t.Range(1000);
            for (int i = 0; i < 12; i++) h.AllocRaw(ObjType.ByteVector, 1 << 20);   // 12 MiB garbage, old
            ulong framesBefore = h.Stats.FramesCommitted;
            ulong pagesBefore = t.Frames.CommittedPages;
            Assert.True(framesBefore > 12 * 256, "before " + framesBefore);
            h.Collect(true);
            ulong freed = h.TrimFrames();
            // 12 MiB of garbage less the evacuation room for one nursery kept committed (the
            // old space commits in 256 KiB chunks, so little rounding on top).
            Assert.True(freed > 10 * 256, "freed " + freed);
            Assert.Equal(framesBefore - freed, h.Stats.FramesCommitted);
            Assert.Equal(pagesBefore - freed, t.Frames.CommittedPages);
            Assert.True(t.IsRange(t[0], 1000));
            // The heap keeps working and grows again.
            t[1] = h.MakeVector(300000, W.Fix(1));
            h.Collect(true);
            Assert.Equal(W.Fix(1), h.Slot(t[1], 299999));
            Assert.Null(h.Verify());
        }

        [Fact]
        public void ExhaustionSetsFlagWithoutCrashing()
        {
            using var t = new GcTestHeap(limitMiB: 16, reserveMiB: 4);
            var h = t.H;
            t[0] = W.Nil;
            int chunks = 0;
            while (!h.StorageExhausted && chunks < 1000)
            {
                t[0] = h.Cons(h.MakeVector(8000, W.Nil), t[0]);  // 64 KB each, all reachable
                chunks++;
            }
            Assert.True(h.StorageExhausted);
            Assert.True(chunks > 100 && chunks < 1000, "chunks " + chunks);
            Assert.Equal(0, t.Panic.Count);
            Assert.False(h.IsDead);
            // The VM would now signal storage-condition and unwind: drop the data.
            t[0] = W.Nil;
            h.AcknowledgeStorageExhausted();
            h.Collect(true);
            Assert.False(h.StorageExhausted);
            t[1] = t.Range(1000);
            Assert.True(t.IsRange(t[1], 1000));
            Assert.Null(h.Verify());
        }

        [Fact]
        public void ReserveGoneCallsPanicHook()
        {
            using var t = new GcTestHeap(limitMiB: 8, reserveMiB: 1);
            var h = t.H;
            t[0] = W.Nil;
            for (int i = 0; i < 10000 && !h.IsDead; i++) t[0] = h.Cons(h.MakeVector(8000, W.Nil), t[0]);
            Assert.True(h.IsDead);
            Assert.Equal(1, t.Panic.Count);
            Assert.Contains("exhausted", t.Panic.Reason);
        }

        [Fact]
        public void FrameShortageActsLikeTheLimit()
        {
            using var t = new GcTestHeap(limitMiB: 256);
            t.Frames.MaxCommittedPages = t.Frames.CommittedPages + (24 << 8);   // ~24 MiB more
            var h = t.H;
            t[0] = W.Nil;
            for (int i = 0; i < 2000 && !h.StorageExhausted && !h.IsDead; i++)
                t[0] = h.Cons(h.MakeVector(8000, W.Nil), t[0]);
            Assert.True(h.StorageExhausted || h.IsDead);
            Assert.True(t.Frames.CommittedPages <= t.Frames.MaxCommittedPages);
        }

        [Fact]
        public void StressModeWithVerifyKeepsEverythingIntact()
        {
            using var t = new GcTestHeap(stressEvery: 1, stressFull: 16, verify: true);
            var h = t.H;
            t[0] = h.MakeHashTable(HashTest.Eq);
            t[1] = h.MakeHashTable(HashTest.Equal);
            t[2] = h.MakeVector(50, W.Nil);
            t[3] = W.Nil;
            for (int i = 0; i < 300; i++)
            {
                ulong k = h.Cons(W.Fix(i), W.Nil);
                t[4] = k;
                h.HashPut(t[0], k, W.Fix(i));
                t[5] = h.MakeString("key" + i);
                ulong val = h.Cons(W.Fix(i), W.Nil);
                h.HashPut(t[1], t[5], val);
                ulong cell = h.Cons(W.Fix(i), h.Slot(t[2], i % 50));
                h.SetSlot(t[2], i % 50, cell);
                t[3] = h.Cons(t[4], t[3]);
                if (i % 7 == 0) h.Intern("STRESS-" + i, h.UserPackage);
            }
            Assert.Null(h.LastVerifyError);
            Assert.False(h.IsDead);
            Assert.True(h.Stats.MinorCollections > 1000, "minor " + h.Stats.MinorCollections);
            Assert.True(h.Stats.FullCollections > 50, "full " + h.Stats.FullCollections);
            int n = 299;
            for (ulong l = t[3]; l != W.Nil; l = h.Cdr(l), n--)
            {
                ulong v;
                Assert.True(h.HashGet(t[0], h.Car(l), out v));
                Assert.Equal(W.Fix(n), v);
            }
            for (int i = 0; i < 300; i++)
            {
                ulong v;
                ulong key = h.MakeString("key" + i);
                Assert.True(h.HashGet(t[1], key, out v));
                Assert.Equal(W.Fix(i), h.Car(v));
            }
            SymbolStatus st;
            Assert.NotEqual(W.Nil, h.FindSymbol("STRESS-294", h.UserPackage, out st));
            Assert.Equal(SymbolStatus.Internal, st);
            Assert.Null(h.Verify());
        }

        [Fact]
        public void EmptyAndOddSizedObjectsSurviveStress()
        {
            using var t = new GcTestHeap(stressEvery: 1, stressFull: 5, verify: true);
            var h = t.H;
            t[0] = W.Nil;
            for (int i = 0; i < 200; i++)
            {
                ulong o;
                switch (i % 6)
                {
                    case 0: o = h.MakeVector(0, W.Nil); break;
                    case 1: o = h.MakeString(""); break;
                    case 2: o = h.AllocRaw(ObjType.BitVector, i); break;
                    case 3: o = h.AllocRaw(ObjType.String32, i % 5); break;
                    case 4: o = h.MakeDouble(i + 0.5); break;
                    default: o = h.AllocRaw(ObjType.ByteVector, i % 9); break;
                }
                t[0] = h.Cons(o, t[0]);
            }
            Assert.Null(h.LastVerifyError);
            int n = 199;
            for (ulong l = t[0]; l != W.Nil; l = h.Cdr(l), n--)
            {
                ulong o = h.Car(l);
                switch (n % 6)
                {
                    case 0: Assert.True(h.Is(o, ObjType.SimpleVector) && h.Length(o) == 0); break;
                    case 1: Assert.True(h.Is(o, ObjType.String8) && h.Length(o) == 0); break;
                    case 2: Assert.True(h.Is(o, ObjType.BitVector) && h.Length(o) == n); break;
                    case 3: Assert.True(h.Is(o, ObjType.String32) && h.Length(o) == n % 5); break;
                    case 4: Assert.Equal(n + 0.5, h.DoubleValue(o)); break;
                    default: Assert.True(h.Is(o, ObjType.ByteVector) && h.Length(o) == n % 9); break;
                }
            }
            Assert.Equal(-1, n);
        }

        [Fact]
        public void StressVerifyCatchesUnrootedLocal()
        {
            using var t = new GcTestHeap(stressEvery: 1, stressFull: 16, verify: true);
            var h = t.H;
            t[0] = W.Nil;
            for (int i = 0; i < 10 && !h.IsDead; i++)
            {
                ulong k = h.Cons(W.Fix(i), W.Nil);
                t[0] = h.Cons(h.MakeString("x"), t[0]);   // collects: k is now stale
                h.SetCdr(t[0], k);                        // bug under test: stale k stored
            }
            Assert.True(h.IsDead);
            Assert.Contains("outside the live heap", h.LastVerifyError);
            Assert.True(h.LastVerifyBeforeGc);                 // blamed on the mutator
            Assert.Equal("heap object", h.VerifyWhere);         // the cons whose cdr is stale
        }

        [Fact]
        public void StatsCountAllocationAndTime()
        {
            using var t = new GcTestHeap();
            var h = t.H;
            ulong a0 = h.Stats.BytesAllocatedTotal;
            for (int i = 0; i < 500000; i++) h.Cons(W.Nil, W.Nil);
            var s = h.Stats;
            Assert.True(s.BytesAllocatedTotal - a0 >= 500000UL * 16);
            Assert.True(s.MinorCollections >= 3);
            Assert.True(s.GcTicksTotal > 0 && s.MaxPauseTicks > 0 && s.TicksPerSecond > 0);
            Assert.True(s.FramesCommitted > 0);
        }
    }
}
