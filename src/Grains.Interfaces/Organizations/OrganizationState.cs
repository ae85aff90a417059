namespace Orleans.Chat.Grains.Organizations;

/// <summary>Persisted state of an organization grain. <see cref="Created"/> false means it does not exist.</summary>
public sealed class OrganizationState
{
    public bool Created { get; set; }

    public string Name { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    public int MemberCount { get; set; }
}
