using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Chat.Api.Auth;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Api.Endpoints;

/// <summary>
/// My contacts: request, confirm, reject, remove, list (the rules are those of <see cref="IUserGrain.ChangeContactAsync"/>).
/// Every change reaches every device of both users as <c>contact:requested</c>, <c>contact:confirmed</c>,
/// <c>contact:rejected</c> or <c>contact:removed</c>.
/// </summary>
public static class ContactsApi
{
    public static IEndpointRouteBuilder MapContactsApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/v1/me/contacts").WithTags("Contacts")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        api.MapGet("", GetContactsAsync)
            .WithName("ListContacts")
            .WithSummary("My contacts and contact requests, most recent first, each with the user's profile as I see it (null once we share no organization); state=requestedByMe|requestedByThem|confirmed keeps those only");
        api.MapPut("/{userId}", RequestAsync)
            .WithName("RequestContact")
            .WithSummary("Ask a user I can see to be my contact (at most 300 contacts and requests of mine); if they asked me first, this confirms. A repeat changes nothing")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/{userId}/confirm", ConfirmAsync)
            .WithName("ConfirmContact")
            .WithSummary("Accept the user's contact request; a repeat changes nothing")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/{userId}/reject", RejectAsync)
            .WithName("RejectContact")
            .WithSummary("Refuse the user's contact request (nothing to refuse: nothing changes)")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapDelete("/{userId}", RemoveAsync)
            .WithName("RemoveContact")
            .WithSummary("End the contact, cancel my request or refuse theirs (nothing there: nothing changes)");
        return routes;
    }

    /// <summary>Does the caller's action on the pair, through the grain that coordinates it (the pair's lower id).</summary>
    internal static async Task<Contact?> ChangeAsync(IGrainFactory grains, string callerId, string userId, ContactAction action)
    {
        var command = new ContactCommand(callerId, Validate.Id(userId, "userId"), action);
        return await grains.GetGrain<IUserGrain>(command.CoordinatorId).ChangeContactAsync(command);
    }

    /// <summary>My contacts with their profiles, seen as <c>UsersApi</c> shows another user: through the organizations we share.</summary>
    internal static async Task<IReadOnlyList<ContactView>> ListAsync(IGrainFactory grains, string callerId, ContactState? state)
    {
        var contacts = await grains.GetGrain<IUserGrain>(callerId).GetContactsAsync(state);
        var visible = (await UsersApi.VisibleProfilesAsync(grains, callerId, contacts.Select(c => c.ContactId))).ToDictionary(p => p.Id, StringComparer.Ordinal);
        return [.. contacts.Select(contact => new ContactView(contact.ContactId, contact.State, contact.Since, visible.GetValueOrDefault(contact.ContactId)))];
    }

    private static async Task<Ok<IReadOnlyList<ContactView>>> GetContactsAsync(string? state, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await ListAsync(grains, user.GetUserId(), ParseState(state)));

    private static async Task<Ok<Contact>> RequestAsync(string userId, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok((await ChangeAsync(grains, user.GetUserId(), userId, ContactAction.Request))!);

    private static async Task<Ok<Contact>> ConfirmAsync(string userId, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok((await ChangeAsync(grains, user.GetUserId(), userId, ContactAction.Confirm))!);

    private static async Task<NoContent> RejectAsync(string userId, ClaimsPrincipal user, IGrainFactory grains)
    {
        await ChangeAsync(grains, user.GetUserId(), userId, ContactAction.Reject);
        return TypedResults.NoContent();
    }

    private static async Task<NoContent> RemoveAsync(string userId, ClaimsPrincipal user, IGrainFactory grains)
    {
        await ChangeAsync(grains, user.GetUserId(), userId, ContactAction.Remove);
        return TypedResults.NoContent();
    }

    private static ContactState? ParseState(string? state) => state?.Trim().ToLowerInvariant() switch
    {
        null or "" => null,
        "requestedbyme" => ContactState.RequestedByMe,
        "requestedbythem" => ContactState.RequestedByThem,
        "confirmed" => ContactState.Confirmed,
        _ => throw new InvalidArgumentException("'state' must be requestedByMe, requestedByThem or confirmed.", "state"),
    };
}

/// <summary>One of my contacts or requests with the user's profile as I see it: null once we share no organization.</summary>
public sealed record ContactView(string ContactId, ContactState State, DateTimeOffset Since, UserProfile? Profile);
