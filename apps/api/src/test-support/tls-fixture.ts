/**
 * Self-signed test certificates (P-256, valid for 100 years, generated once with
 * `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 36500`) so tests need
 * no openssl at run time. Test-only keys: they protect nothing.
 */
export const testCertA = {
  certificate: `-----BEGIN CERTIFICATE-----
MIIBsTCCAVagAwIBAgIUCmgrC/5ea8lyclzeYImzF6Hq+powCgYIKoZIzj0EAwIw
HTEbMBkGA1UEAwwSc2hvcC1hLmV4YW1wbGUuY29tMCAXDTI2MTEyMjA1NDAxOVoY
DzIxMjYxMDI5MDU0MDE5WjAdMRswGQYDVQQDDBJzaG9wLWEuZXhhbXBsZS5jb20w
WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAT+vJbb2uL+YVyBfirAg+AUbvstnQkG
gx/HAVsA0t5fBfoXNbJrVanbhzGd5Hb5xefbmqOgL+w5oU7h3sZTzEJ3o3IwcDAd
BgNVHQ4EFgQU2z6XDyyKAiKdE5mXdDDkIAn9hnowHwYDVR0jBBgwFoAU2z6XDyyK
AiKdE5mXdDDkIAn9hnowDwYDVR0TAQH/BAUwAwEB/zAdBgNVHREEFjAUghJzaG9w
LWEuZXhhbXBsZS5jb20wCgYIKoZIzj0EAwIDSQAwRgIhAPJdy+qiEYWcFcTwD5Ga
SMDeRFvNir9C8Ei/UcvF3tbjAiEA2Lh8N9Ft5HbJNN8n+kwXYj12GAmE/0QbzgEx
Xp80+yw=
-----END CERTIFICATE-----\n`,
  privateKey: `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgLH4QZM7BDiwCQEuI
jLj+lyAnRvvUihba0qUyav2ZpjihRANCAAT+vJbb2uL+YVyBfirAg+AUbvstnQkG
gx/HAVsA0t5fBfoXNbJrVanbhzGd5Hb5xefbmqOgL+w5oU7h3sZTzEJ3
-----END PRIVATE KEY-----\n`,
};

export const testCertB = {
  certificate: `-----BEGIN CERTIFICATE-----
MIIBsTCCAVagAwIBAgIUWk8YmPaT6THxINZZl2XZB0GCfecwCgYIKoZIzj0EAwIw
HTEbMBkGA1UEAwwSc2hvcC1iLmV4YW1wbGUuY29tMCAXDTI2MTEyMjA1NDAxOVoY
DzIxMjYxMDI5MDU0MDE5WjAdMRswGQYDVQQDDBJzaG9wLWIuZXhhbXBsZS5jb20w
WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATsWUJjajiNVhifdIjcF+l/R+y1/ya9
F4nMxdYEfqkVHKlD3GnHnIFe145h8APqab2ETIfjJdzHIFgR9JCevfhbo3IwcDAd
BgNVHQ4EFgQUNN+QqfXC7WkZct/xFKoiH0992gEwHwYDVR0jBBgwFoAUNN+QqfXC
7WkZct/xFKoiH0992gEwDwYDVR0TAQH/BAUwAwEB/zAdBgNVHREEFjAUghJzaG9w
LWIuZXhhbXBsZS5jb20wCgYIKoZIzj0EAwIDSQAwRgIhAJQjhtlHAwWprgtw61ie
zrNFmrdkQWPhog2hx+mVjBWcAiEA18QrgrZctuVkQw+Rgsevf3wSmeI8y3cPp3GI
NF5/fr8=
-----END CERTIFICATE-----\n`,
  privateKey: `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgKXm6UQDgyM8kFldo
jDYZZX6hFfB4XgMeBxUIGm7t7WKhRANCAATsWUJjajiNVhifdIjcF+l/R+y1/ya9
F4nMxdYEfqkVHKlD3GnHnIFe145h8APqab2ETIfjJdzHIFgR9JCevfhb
-----END PRIVATE KEY-----\n`,
};
