using Microsoft.Extensions.Logging;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Users;
using Orleans.Runtime;

namespace Orleans.Chat.Grains.Organizations;

/// <inheritdoc cref="IOrganizationGrain"/>
[GrainType("Organization")]
public sealed partial class OrganizationGrain(
    [PersistentState("organization")] IPersistentState<OrganizationState> state,
    TimeProvider timeProvider,
    ILogger<OrganizationGrain> logger) : Grain, IOrganizationGrain
{
    public async ValueTask<OrganizationInfo> CreateAsync(CreateOrganizationCommand command)
    {
        var id = Validate.Id(this.GetPrimaryKeyString(), "id");
        var name = Validate.Text(command?.Name, "name");
        if (state.State.Created)
        {
            throw new ConflictException($"Organization '{id}' already exists.");
        }

        state.State = new OrganizationState { Created = true, Name = name, CreatedAt = timeProvider.GetUtcNow() };
        await state.WriteStateAsync();
        LogCreated(logger, id);
        return ToInfo();
    }

    public ValueTask<OrganizationInfo> GetAsync()
    {
        EnsureCreated();
        return ValueTask.FromResult(ToInfo());
    }

    public async ValueTask<OrganizationInfo> AddMemberAsync(string userId)
    {
        EnsureCreated();
        Validate.Id(userId, "userId");
        var organizationId = this.GetPrimaryKeyString();
        var user = GrainFactory.GetGrain<IUserGrain>(userId);

        // The user grain holds the membership (and throws not-found for an unknown user); this grain keeps the count.
        // A user is first recorded as pending, then joined, then counted (and un-pended in the same write), so a crash
        // anywhere in between is finished by the retry and a member is never counted twice or not at all.
        if (!state.State.PendingMembers.Contains(userId, StringComparer.Ordinal))
        {
            await user.GetProfileAsync();
            if (await user.IsMemberOfAsync(organizationId))
            {
                return ToInfo();
            }

            state.State.PendingMembers.Add(userId);
            await state.WriteStateAsync();
        }

        await user.JoinOrganizationAsync(organizationId);
        state.State.PendingMembers.Remove(userId);
        state.State.MemberCount++;
        await state.WriteStateAsync();
        LogMemberAdded(logger, organizationId, userId);
        return ToInfo();
    }

    private void EnsureCreated()
    {
        if (!state.State.Created)
        {
            throw new NotFoundException($"Organization '{this.GetPrimaryKeyString()}' does not exist.");
        }
    }

    public async ValueTask<OrganizationInfo> SetSettingsAsync(OrganizationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        EnsureCreated();
        state.State.Settings = new OrganizationSettings(Validate.TtlMinutes(settings.MaxMessageTtlMinutes, "maxMessageTtlMinutes"), settings.AllowCrossOrganization);
        await state.WriteStateAsync();
        return ToInfo();
    }

    private OrganizationInfo ToInfo() => new(this.GetPrimaryKeyString(), state.State.Name, state.State.MemberCount, state.State.CreatedAt, state.State.Settings);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Organization {OrganizationId} created")]
    private static partial void LogCreated(ILogger logger, string organizationId);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "User {UserId} joined organization {OrganizationId}")]
    private static partial void LogMemberAdded(ILogger logger, string organizationId, string userId);
}
