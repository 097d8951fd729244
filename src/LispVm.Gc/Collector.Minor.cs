// Minor collection (stub for the first API commit).
namespace LispVm.Gc
{
    public sealed unsafe partial class Heap
    {
        void RunMinor() { }
        ulong Evacuate(ulong v) { return v; }
        void NoteOldObject(ulong a, ulong bytes) { }
    }
}
