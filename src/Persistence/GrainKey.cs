using Orleans.Runtime;

namespace Orleans.Chat.Persistence;

/// <summary>
/// A grain's identity as our tables store it: its grain type and its key as text, the two columns every row of grain
/// state and reminders is keyed by (so a row is readable in the database and stays found across versions of Orleans).
/// </summary>
internal readonly record struct GrainKey(string Type, string Key)
{
    public static GrainKey Of(GrainId grainId) => new(grainId.Type.ToString()!, grainId.Key.ToString()!);

    public GrainId ToGrainId() => GrainId.Create(Type, Key);

    public override string ToString() => $"{Type}/{Key}";
}
