using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Microsoft.OpenApi;
using Orleans.Chat.Api.Auth;
using Orleans.Chat.Grains.Attachments;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Users;
using Orleans.Chat.Persistence;

namespace Orleans.Chat.Api.Endpoints;

/// <summary>
/// Attachments: a member uploads a file to the organization (streamed into the blob store as it arrives), then reads
/// its description and its bytes; once a message holds it, so does whoever sees that message (<see cref="AttachmentAccess"/>).
/// An upload nothing attaches is deleted after <c>Attachments:UnattachedLifetime</c>.
/// </summary>
public static class AttachmentsApi
{
    /// <summary>What a request may carry beyond the file: the multipart boundaries, the parts' headers and the small fields.</summary>
    private const long MultipartAllowance = 64 * 1024;

    public static IEndpointRouteBuilder MapAttachmentsApi(this IEndpointRouteBuilder routes)
    {
        var maxBytes = routes.ServiceProvider.GetRequiredService<IOptions<AttachmentOptions>>().Value.MaxBytes;
        var api = routes.MapGroup("/v1").WithTags("Attachments")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        api.MapPost("/organizations/{organizationId}/attachments", UploadAsync)
            .WithName("UploadAttachment")
            .WithSummary("Upload a file to the organization (multipart/form-data: optional width and height, then the part 'file'); it expires unless a message holds it in time")
            .WithMetadata(new RequestSizeLimitAttribute(maxBytes + MultipartAllowance))
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                operation.RequestBody = UploadForm(maxBytes);
                return Task.CompletedTask;
            })
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        api.MapGet("/attachments/{attachmentId}", GetAsync)
            .WithName("GetAttachment")
            .WithSummary("An attachment's description: mine while no message holds it, then anyone's who sees a message holding it")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/attachments/{attachmentId}/content", DownloadAsync)
            .WithName("DownloadAttachment")
            .WithSummary("An attachment's bytes in its own content type, with its file name, to those who may see its description; supports Range requests")
            .Produces<Stream>(StatusCodes.Status200OK, "application/octet-stream")
            .Produces<Stream>(StatusCodes.Status206PartialContent, "application/octet-stream")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/conversations/{conversationId}/attachments", ListForConversationAsync)
            .WithName("ListConversationAttachments")
            .WithSummary("The attachments of the messages I see in a conversation, newest message first, limit 1-200 messages (default 50); pass the last item's sortNumber as before for the next page")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return routes;
    }

    private static async Task<Ok<AttachmentPage>> ListForConversationAsync(string conversationId, long? before, int? limit, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await ChatConversations.Get(grains, conversationId).GetAttachmentsAsync(new AttachmentsQuery(user.GetUserId(), before, limit)));

    /// <summary>The path of an attachment's description.</summary>
    public static string AttachmentPath(string attachmentId) => $"/v1/attachments/{attachmentId}";

    /// <summary>
    /// The blob is written first and the record after it, so a record always has its bytes; when the request ends early
    /// the store keeps nothing, and when the record cannot be made the blob is deleted again.
    /// </summary>
    private static async Task<Results<Created<AttachmentInfo>, ProblemHttpResult>> UploadAsync(
        string organizationId, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains, IBlobStore blobs,
        IOptions<AttachmentOptions> options, CancellationToken cancellationToken)
    {
        var uploaderId = user.GetUserId();
        Validate.Id(organizationId, "organizationId");
        if (!await grains.GetGrain<IUserGrain>(uploaderId).IsMemberOfAsync(organizationId))
        {
            throw new PermissionDeniedException($"You are not a member of organization '{organizationId}'.");
        }

        var limits = options.Value;
        var upload = await AttachmentUpload.ReadAsync(request, cancellationToken);
        if (!limits.IsAllowed(upload.ContentType))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, detail: $"Files of type '{upload.ContentType}' may not be uploaded.");
        }

        var id = AttachmentId.New();
        long size;
        try
        {
            size = await blobs.WriteAsync(id, upload.Content, limits.MaxBytes, cancellationToken);
        }
        catch (BlobTooLargeException)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, detail: $"A file may have at most {limits.MaxBytes} bytes.");
        }

        try
        {
            var info = await grains.GetGrain<IAttachmentGrain>(id).CreateAsync(
                new CreateAttachmentCommand(organizationId, uploaderId, upload.FileName, upload.ContentType, size, upload.Width, upload.Height));
            return TypedResults.Created(AttachmentPath(id), info);
        }
        catch
        {
            await blobs.DeleteAsync(id, CancellationToken.None);
            throw;
        }
    }

    private static async Task<Ok<AttachmentInfo>> GetAsync(string attachmentId, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await AttachmentAccess.GetVisibleAsync(grains, user.GetUserId(), attachmentId));

    /// <summary>
    /// Streams the blob: Content-Length, a Content-Disposition attachment with the file name (browsers save it rather than
    /// show it), nosniff, and Range requests against an ETag that is the id (an attachment's bytes never change).
    /// </summary>
    private static async Task<FileStreamHttpResult> DownloadAsync(
        string attachmentId, ClaimsPrincipal user, IGrainFactory grains, IBlobStore blobs, HttpResponse response, CancellationToken cancellationToken)
    {
        var info = await AttachmentAccess.GetVisibleAsync(grains, user.GetUserId(), attachmentId);

        // A record whose blob is gone is being deleted (its last holder was just released).
        var content = await blobs.OpenReadAsync(info.Id, cancellationToken) ?? throw AttachmentId.NotFound(attachmentId);
        response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.Stream(
            content,
            info.ContentType,
            info.FileName,
            lastModified: info.CreatedAt,
            entityTag: new EntityTagHeaderValue($"\"{info.Id}\""),
            enableRangeProcessing: true);
    }

    /// <summary>The upload form in the OpenAPI document (the endpoint reads the body itself, so nothing describes it otherwise).</summary>
    private static OpenApiRequestBody UploadForm(long maxBytes) => new()
    {
        Required = true,
        Content = new Dictionary<string, OpenApiMediaType>
        {
            ["multipart/form-data"] = new()
            {
                Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Required = new HashSet<string> { AttachmentUpload.FileField },
                    Properties = new Dictionary<string, IOpenApiSchema>
                    {
                        ["width"] = Pixels("The image's or video's width in pixels; before the file."),
                        ["height"] = Pixels("The image's or video's height in pixels; before the file."),
                        [AttachmentUpload.FileField] = new OpenApiSchema
                        {
                            Type = JsonSchemaType.String,
                            Format = "binary",
                            Description = $"The file, at most {maxBytes} bytes, of a content type Attachments:AllowedContentTypes allows; its file name is kept. Parts after it are not read.",
                        },
                    },
                },
            },
        },
    };

    private static OpenApiSchema Pixels(string description) => new()
    {
        Type = JsonSchemaType.Integer,
        Format = "int32",
        Minimum = "1",
        Maximum = Validate.MaxPixels.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Description = description,
    };
}
