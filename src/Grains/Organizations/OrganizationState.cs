namespace Orleans.Chat.Grains.Organizations;

/// <summary>Persisted state of an organization grain. <see cref="Created"/> false means it does not exist.</summary>
[GenerateSerializer, Alias("chat.OrganizationState")]
public sealed class OrganizationState
{
    [Id(0)]
    public bool Created { get; set; }

    [Id(1)]
    public string Name { get; set; } = "";

    [Id(2)]
    public DateTimeOffset CreatedAt { get; set; }

    [Id(3)]
    public int MemberCount { get; set; }

    /// <summary>Users being added: joined (maybe) but not counted yet. Normally empty; a retry after a crash finishes them.</summary>
    [Id(4)]
    public List<string> PendingMembers { get; set; } = [];

    [Id(5)]
    public OrganizationSettings Settings { get; set; } = new();
}
