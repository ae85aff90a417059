using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Orleans.Chat.Api.Auth;

namespace Orleans.Chat.Api.Endpoints;

/// <summary>
/// Describes the two ways to authenticate in the OpenAPI document (a bearer access token, the admin key header) and
/// which operations need which, from each endpoint's authorization metadata.
/// </summary>
internal static class OpenApiSecurity
{
    private const string BearerScheme = "Bearer";
    private const string AdminKeyScheme = "AdminKey";

    public static OpenApiOptions AddChatSecurity(this OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "The accessToken from POST /v1/auth/sign-in. The hub also takes it as the access_token query parameter.",
            };
            document.Components.SecuritySchemes[AdminKeyScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = AdminOptions.HeaderName,
                Description = "The admin key (configuration Admin:ApiKey) for server-side provisioning.",
            };
            return Task.CompletedTask;
        });

        options.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            if (metadata.OfType<IAllowAnonymous>().Any())
            {
                return Task.CompletedTask;
            }

            var admin = metadata.OfType<IAuthorizeData>().Any(a => a.Policy == ChatAuthorization.AdminPolicy);
            var scheme = new OpenApiSecuritySchemeReference(admin ? AdminKeyScheme : BearerScheme, context.Document);
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [scheme] = [] });
            return Task.CompletedTask;
        });
        return options;
    }
}
