namespace Orleans.Chat.Grains.Organizations;

/// <summary>Persisted state of an organization grain. <see cref="Created"/> false means it does not exist.</summary>
public sealed class OrganizationState
{
    public bool Created { get; set; }

    public string Name { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    public int MemberCount { get; set; }

    /// <summary>Users being added: joined (maybe) but not counted yet. Normally empty; a retry after a crash finishes them.</summary>
    public List<string> PendingMembers { get; set; } = [];
}
