package correlate

import (
	"reflect"
	"testing"

	"github.com/vnetmap/vnetmap/internal/model"
)

func TestApplications(t *testing.T) {
	vm := func(uuid, name string, attrs model.Attrs) model.Version {
		id := model.NewID(model.KindVM, uuid)
		return v(model.Entity(id, id, name, attrs))
	}
	facts := []model.Version{
		vm("1", "shop-web-01", model.Attrs{"attr.app": "shop", "tags": "env/prod,tier/web", "folder": "/dc1/vm/shop/web"}),
		vm("2", "shop-db-01", model.Attrs{"attr.app": "shop", "tags": "env/prod,tier/db", "folder": "/dc1/vm/shop"}),
		vm("3", "ldap-01", model.Attrs{"attr.app": "directory", "tags": "env/prod", "folder": "/dc1/vm/infra"}),
		vm("4", "jump01", model.Attrs{"folder": "/dc1/vm/infrastructure"}),
	}
	tests := []struct {
		name  string
		rules []AppRule
		want  map[string][]string // application → VM keys
	}{
		{"one application per custom attribute value", []AppRule{{FromAttribute: "app"}},
			map[string][]string{"directory": {"3"}, "shop": {"1", "2"}}},
		{"per tag category, with a prefix", []AppRule{{Name: "tier", FromTagCategory: "tier"}},
			map[string][]string{"tier-db": {"2"}, "tier-web": {"1"}}},
		{"folder prefix is a path, not a string prefix", []AppRule{{Name: "infra", Folders: []string{"/dc1/vm/infra/"}}},
			map[string][]string{"infra": {"3"}}},
		{"name pattern, case-insensitive", []AppRule{{Name: "web", Names: []string{"SHOP-WEB-*"}}},
			map[string][]string{"web": {"1"}}},
		{"explicit list and tag", []AppRule{{Name: "ops", VMs: []string{"jump01"}, Tags: []string{"tier/db"}}},
			map[string][]string{"ops": {"2", "4"}}},
		{"all attributes must match", []AppRule{{Name: "x", Attributes: map[string]string{"app": "shop", "owner": "me"}}},
			map[string][]string{}},
		{"a VM in several applications", []AppRule{{FromAttribute: "app"}, {Name: "prod", Tags: []string{"env/prod"}}},
			map[string][]string{"directory": {"3"}, "prod": {"1", "2", "3"}, "shop": {"1", "2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[string][]string{}
			for _, d := range Applications(t0, facts, tt.rules) {
				if d.Rel == model.RelContains {
					got[d.Subject.Key()] = append(got[d.Subject.Key()], d.Object.Key())
				} else if d.Kind != model.KindApplication {
					t.Errorf("derived %+v is neither an application nor a contains relation", d)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("applications = %v; want %v", got, tt.want)
			}
		})
	}
}

func TestAppRuleValidate(t *testing.T) {
	for _, tt := range []struct {
		rule AppRule
		ok   bool
	}{
		{AppRule{FromAttribute: "app"}, true},
		{AppRule{Name: "shop", Names: []string{"shop-*"}}, true},
		{AppRule{Names: []string{"shop-*"}}, false},
		{AppRule{Name: "shop"}, false},
		{AppRule{Name: "shop", Names: []string{"shop-["}}, false},
	} {
		if err := tt.rule.Validate(); (err == nil) != tt.ok {
			t.Errorf("Validate(%+v) = %v; want ok %v", tt.rule, err, tt.ok)
		}
	}
}
