// Full collection (stub for the first API commit).
namespace LispVm.Gc
{
    public sealed unsafe partial class Heap
    {
        void RunFull() { }
        void MarkValue(ulong v) { }
        ulong Forwarded(ulong v) { return v; }
    }
}
